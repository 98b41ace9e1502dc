import {
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpException,
  Logger,
  Post,
  Query,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiProperty,
  ApiQuery,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { DomainError } from '@welfare/platform';
import { CurrentActor, Roles } from '@welfare/access';
import { Tenancy, tenancyOf } from '../access/tenancy';
import { IsIn } from 'class-validator';
import type { Response } from 'express';
import { BulkImportService, IMPORT_MODES } from './bulk-import.service';
import type { ImportMode, ImportReport } from './bulk-import.service';
import { IMPORT_COLUMNS } from './import-row';

export const NDJSON = 'application/x-ndjson';

export class ImportQueryDto {
  @ApiProperty({
    enum: IMPORT_MODES,
    description: 'all-or-nothing: one bad row and nothing is written; skip-bad-rows: the good rows are written',
  })
  @IsIn(IMPORT_MODES, { message: `mode must be one of ${IMPORT_MODES.join(', ')}` })
  mode: ImportMode;
}

const COLUMNS_DOC =
  `One row = one resident with one device, onboarded at once (state active, secret issued). Header line required; columns in any order. ` +
  `Required: ${IMPORT_COLUMNS.required.join(', ')}. Optional: ${IMPORT_COLUMNS.optional.join(', ')}. ` +
  `municipality_number is the four-digit kommunenummer; home_care_team is a team name in that municipality; device_kind is safety_alarm, door_sensor, gps_tracker or fall_detector.`;

/** A municipality's administrators import their own residents and devices. */
@ApiTags('bulk import')
@ApiBearerAuth()
@Roles('municipality-admin')
@Controller('api/imports')
export class BulkImportController {
  private readonly logger = new Logger(BulkImportController.name);

  constructor(private readonly imports: BulkImportService) {}

  @Post()
  @HttpCode(200)
  @ApiConsumes('text/csv')
  @ApiBody({ description: COLUMNS_DOC, schema: { type: 'string' } })
  @ApiQuery({ name: 'mode', enum: IMPORT_MODES })
  @ApiOkResponse({
    description: `The report: rows, applied, errors [{line, reason}], created [{line, residentId, deviceId, secret}] (secrets shown this once). With Accept: ${NDJSON}, progress lines {"progress":{"done","total"}} come first and the report last as {"report":...}.`,
  })
  @ApiUnprocessableEntityResponse({
    description: 'all-or-nothing and a row was bad: nothing was written; the report lists every bad row',
  })
  @ApiBadRequestResponse({ description: 'Not CSV, a header problem, or too many rows: the whole file is refused' })
  async import(
    @CurrentActor() actor: Actor,
    @Query() query: ImportQueryDto,
    @Body() body: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (typeof body !== 'string') throw new UnsupportedMediaTypeException('send the file as text/csv');
    const tenancy = tenancyOf(actor);
    if (accept?.includes(NDJSON)) return this.streamed(tenancy, body, query.mode, response);
    const report = await this.imports.import(tenancy, body, query.mode);
    response.status(report.rolledBack ? 422 : 200).json(report);
  }

  /** Progress as rows are applied, then the report; errors after the first line can only go in the stream. */
  private async streamed(tenancy: Tenancy, csv: string, mode: ImportMode, response: Response): Promise<void> {
    const line = (value: unknown) => {
      if (!response.headersSent) response.status(200).type(NDJSON);
      response.write(`${JSON.stringify(value)}\n`);
    };
    try {
      const report: ImportReport = await this.imports.import(tenancy, csv, mode, (done, total) =>
        line({ progress: { done, total } }),
      );
      line({ report });
    } catch (error) {
      if (!response.headersSent) throw error;
      // The answer is under way (200 and progress lines): the failure can only be a line of it.
      this.logger.error({ err: error, tenancy }, 'import failed after it began');
      const told = error instanceof HttpException || error instanceof DomainError;
      line({ error: told ? error.message : 'internal error; it has been logged' });
    }
    response.end();
  }
}
