import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { tenancyOf } from '../access/tenancy';
import {
  AccessLogEntryDto,
  CreateResidentDto,
  ListResidentsQueryDto,
  ResidentDto,
  UpdateResidentDto,
} from './dto/resident.dto';
import { ResidentsService } from './residents.service';

const uuid = new ParseUUIDPipe();

/** A municipality's administrators keep its residents; home-care staff read their team's. Every read is access-logged. */
@ApiTags('residents')
@ApiBearerAuth()
@Controller('api/residents')
export class ResidentsController {
  constructor(private readonly residents: ResidentsService) {}

  @Get()
  @Roles('municipality-admin', 'home-care')
  @ApiOkResponse({ type: [ResidentDto] })
  @ApiHeader({ name: 'X-Total-Count', description: 'Residents matching, of which this is one page' })
  async list(
    @CurrentActor() actor: Actor,
    @Query() query: ListResidentsQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ResidentDto[]> {
    const { residents, total } = await this.residents.list(actor, query);
    response.setHeader('X-Total-Count', String(total));
    return residents;
  }

  @Get(':id')
  @Roles('municipality-admin', 'home-care')
  @ApiOkResponse({ type: ResidentDto })
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ResidentDto> {
    return this.residents.get(actor, id);
  }

  @Get(':id/access-log')
  @Roles('municipality-admin')
  @ApiOkResponse({
    type: [AccessLogEntryDto],
    description: "Who read the resident's registry data, newest first (the last 500)",
  })
  @ApiNotFoundResponse()
  accessLog(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<AccessLogEntryDto[]> {
    return this.residents.accessLog(tenancyOf(actor), id);
  }

  @Post()
  @Roles('municipality-admin')
  @ApiCreatedResponse({ type: ResidentDto })
  @ApiNotFoundResponse({ description: 'No such municipality or home-care team' })
  @ApiUnprocessableEntityResponse({ description: 'The team belongs to another municipality' })
  create(@CurrentActor() actor: Actor, @Body() body: CreateResidentDto): Promise<ResidentDto> {
    return this.residents.create(tenancyOf(actor), body);
  }

  @Patch(':id')
  @Roles('municipality-admin')
  @ApiOkResponse({
    type: ResidentDto,
    description: 'A new municipality or team is published in the record of each of their devices',
  })
  @ApiNotFoundResponse()
  update(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() body: UpdateResidentDto,
  ): Promise<ResidentDto> {
    return this.residents.update(tenancyOf(actor), id, body);
  }

  @Delete(':id')
  @Roles('municipality-admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'A device (also a retired one) still belongs to the resident' })
  remove(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<void> {
    return this.residents.remove(tenancyOf(actor), id);
  }
}
