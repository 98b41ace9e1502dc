import { Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import {
  ApiUnprocessableEntityResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { type Actor, CurrentActor, Roles } from '@welfare/access';
import { Clock } from '@welfare/platform';
import { ReportDto, ReportQueryDto } from './dto/report.dto';
import { previousMonth } from './report-period';
import { ReportsService, type Report, type ReportFile } from './reports.service';

const uuid = new ParseUUIDPipe();

@ApiTags('reports')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid bearer token' })
@ApiUnprocessableEntityResponse({ description: 'The period names no month, week or range of days' })
@ApiNotFoundResponse({ description: 'Not a municipality or centre of yours' })
@Controller('api/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly clock: Clock,
  ) {}

  @Get('municipalities/:municipalityId')
  @Roles('supervisor', 'municipality-admin')
  @ApiForbiddenResponse({ description: 'Not a supervisor or a municipality administrator' })
  @ApiOkResponse({ type: ReportDto, description: "The municipality's response-time report for the period" })
  municipality(
    @CurrentActor() actor: Actor,
    @Param('municipalityId', uuid) municipalityId: string,
    @Query() query: ReportQueryDto,
  ): Promise<Report> {
    return this.reports.forMunicipality(actor, municipalityId, this.period(query));
  }

  @Get('municipalities/:municipalityId/csv')
  @Roles('supervisor', 'municipality-admin')
  @ApiProduces('text/csv')
  @ApiForbiddenResponse({ description: 'Not a supervisor or a municipality administrator' })
  @ApiOkResponse({ description: 'The same report as CSV: UTF-8 with BOM, ";" between fields, decimal comma' })
  async municipalityCsv(
    @CurrentActor() actor: Actor,
    @Param('municipalityId', uuid) municipalityId: string,
    @Query() query: ReportQueryDto,
    @Res() response: Response,
  ): Promise<void> {
    const file = await this.reports.municipalityFile(
      actor,
      municipalityId,
      this.period(query),
      'csv',
      this.clock.now(),
    );
    download(response, file, 'csv', 'text/csv; charset=utf-8');
  }

  @Get('municipalities/:municipalityId/pdf')
  @Roles('supervisor', 'municipality-admin')
  @ApiProduces('application/pdf')
  @ApiForbiddenResponse({ description: 'Not a supervisor or a municipality administrator' })
  @ApiOkResponse({
    description: 'The report as a PDF with charts and a short explanation of each figure (any past month)',
  })
  async municipalityPdf(
    @CurrentActor() actor: Actor,
    @Param('municipalityId', uuid) municipalityId: string,
    @Query() query: ReportQueryDto,
    @Res() response: Response,
  ): Promise<void> {
    const file = await this.reports.municipalityFile(
      actor,
      municipalityId,
      this.period(query),
      'pdf',
      this.clock.now(),
    );
    download(response, file, 'pdf', 'application/pdf');
  }

  @Get('centres/:centreId')
  @Roles('supervisor')
  @ApiForbiddenResponse({ description: 'Not a supervisor' })
  @ApiOkResponse({ type: ReportDto, description: 'The whole centre, every municipality it serves, for the period' })
  centre(
    @CurrentActor() actor: Actor,
    @Param('centreId', uuid) centreId: string,
    @Query() query: ReportQueryDto,
  ): Promise<Report> {
    return this.reports.forCentre(actor, centreId, this.period(query));
  }

  private period(query: ReportQueryDto): string {
    return query.period ?? previousMonth(this.clock.now());
  }
}

function download(response: Response, file: ReportFile, extension: string, type: string): void {
  const name = `rapport-${file.subject.kind}-${file.subject.id}-${file.periodLabel}.${extension}`;
  response.setHeader('Content-Type', type);
  response.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`);
  response.setHeader('Cache-Control', 'no-store');
  response.send(file.body);
}
