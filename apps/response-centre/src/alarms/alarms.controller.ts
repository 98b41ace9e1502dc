import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { AlarmStreams } from '../live/alarm-streams.service';
import { AlarmHandlingService } from './alarm-handling.service';
import { AlarmQueriesService } from './alarm-queries.service';
import { AddNoteDto, ListAlarmsQueryDto, ResolveAlarmDto, StreamQueryDto } from './dto/alarm-requests.dto';
import { AlarmDetailDto, AlarmSummaryDto } from './dto/alarm.dto';

const alarmId = new ParseUUIDPipe({ version: '4' });

@ApiTags('alarms')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid bearer token' })
@ApiForbiddenResponse({ description: 'Not an operator or supervisor of a response centre' })
@Roles('operator', 'supervisor')
@Controller('api/alarms')
export class AlarmsController {
  constructor(
    private readonly queries: AlarmQueriesService,
    private readonly handling: AlarmHandlingService,
    private readonly streams: AlarmStreams,
  ) {}

  @Get()
  @ApiOkResponse({ type: [AlarmSummaryDto], description: 'Unresolved alarms, most urgent first, then oldest first' })
  list(@CurrentActor() actor: Actor, @Query() query: ListAlarmsQueryDto): Promise<AlarmSummaryDto[]> {
    return this.queries.queue(actor, query.limit, query.state);
  }

  // Declared before ':id', so "stream" is not taken for an alarm id.
  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this event id (a reconnecting client); wins over ?since=',
  })
  @ApiOkResponse({
    description:
      'Server-Sent Events: every handling-log step of your centre\'s alarms (event "step": alarmId, step, at, actor, details, and the alarm\'s current summary), ' +
      'each with id = its cursor; after the replay of everything after the cursor, one event "ready"; comment lines as heartbeats. Without a cursor it starts at now.',
  })
  @ApiBadRequestResponse({ description: 'The cursor is not one this stream hands out' })
  async stream(
    @CurrentActor() actor: Actor,
    @Query() query: StreamQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.streams.open(actor, request, response, query.since);
  }

  @Get(':id')
  @ApiOkResponse({ type: AlarmDetailDto, description: 'The alarm with its full handling log' })
  @ApiNotFoundResponse({ description: 'No such alarm in your centre' })
  get(@CurrentActor() actor: Actor, @Param('id', alarmId) id: string): Promise<AlarmDetailDto> {
    return this.queries.detail(actor, id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOkResponse({ type: AlarmDetailDto, description: 'Taken by you (also when you had already taken it)' })
  @ApiConflictResponse({ description: 'Another operator has it (acknowledgedBy names them), or it is resolved' })
  async acknowledge(@CurrentActor() actor: Actor, @Param('id', alarmId) id: string): Promise<AlarmDetailDto> {
    await this.handling.acknowledge(actor, id);
    return this.queries.detail(actor, id);
  }

  @Post(':id/notes')
  @HttpCode(201)
  @ApiOkResponse({ type: AlarmDetailDto })
  async addNote(
    @CurrentActor() actor: Actor,
    @Param('id', alarmId) id: string,
    @Body() body: AddNoteDto,
  ): Promise<AlarmDetailDto> {
    await this.handling.addNote(actor, id, body.text);
    return this.queries.detail(actor, id);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOkResponse({ type: AlarmDetailDto })
  @ApiConflictResponse({ description: 'Not acknowledged yet, or already resolved' })
  async resolve(
    @CurrentActor() actor: Actor,
    @Param('id', alarmId) id: string,
    @Body() body: ResolveAlarmDto,
  ): Promise<AlarmDetailDto> {
    await this.handling.resolve(actor, id, body.outcome, body.note);
    return this.queries.detail(actor, id);
  }
}
