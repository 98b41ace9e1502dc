import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { DispatchStreamService } from '../stream/dispatch-stream.service';
import { requestedCursor } from '../stream/stream-cursor';
import { DispatchActionsService, StepInput } from './dispatch-actions.service';
import { DispatchQueriesService } from './dispatch-queries.service';
import type { NurseStep } from './dispatch-state';
import {
  CompleteDispatchDto,
  DeclineDispatchDto,
  ListDispatchesQueryDto,
  StreamQueryDto,
} from './dto/dispatch-requests.dto';
import { DispatchDetailDto, DispatchStreamEventDto, DispatchSummaryDto } from './dto/dispatch.dto';

const dispatchId = new ParseUUIDPipe();

/** The list's answer header: the stream position to follow the list live from (GET /api/dispatches/stream?since=). */
export const STREAM_CURSOR_HEADER = 'Stream-Cursor';

/**
 * A home-care team's dispatches, for its nurses. Every query and change is fenced to the team in
 * the token (home_care_team_id): another team's dispatch is 404.
 */
@ApiTags('dispatches')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid bearer token' })
@ApiForbiddenResponse({ description: 'Not a home-care nurse (role home-care with home_care_team_id)' })
@Roles('home-care')
@Controller('api/dispatches')
export class DispatchesController {
  constructor(
    private readonly queries: DispatchQueriesService,
    private readonly actions: DispatchActionsService,
    private readonly stream: DispatchStreamService,
  ) {}

  @Get()
  @ApiOkResponse({
    type: [DispatchSummaryDto],
    description:
      "The team's dispatches: active ones first (most urgent, then oldest), then finished ones, newest first. Every dispatch listed is access-logged.",
    headers: {
      [STREAM_CURSOR_HEADER]: {
        description: 'Follow the list live from here: GET /api/dispatches/stream?since=<this>',
        schema: { type: 'string' },
      },
    },
  })
  @ApiBadRequestResponse({ description: 'An unknown status, or a limit outside 1..500' })
  async list(
    @CurrentActor() actor: Actor,
    @Query() query: ListDispatchesQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DispatchSummaryDto[]> {
    const { cursor, dispatches } = await this.queries.list(actor, query.status, query.limit);
    res.setHeader(STREAM_CURSOR_HEADER, cursor);
    return dispatches;
  }

  /** Declared before GET :id, which would otherwise take "stream" for an id. */
  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiExtraModels(DispatchStreamEventDto)
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id (wins over ?since=)' })
  @ApiOkResponse({
    description:
      'Server-Sent Events, open until either side closes: first `ready` (data {cursor}), then one `dispatch` event per step of a team dispatch (new, accepted, declined, en route, arrived, completed, expired, withdrawn) with data DispatchStreamEventDto and the stream position as its id; a comment line every 15 s; `shutdown` before the service stops. Every event is access-logged.',
    content: { 'text/event-stream': { schema: { $ref: getSchemaPath(DispatchStreamEventDto) } } },
  })
  @ApiBadRequestResponse({ description: 'since or Last-Event-ID is not a stream position' })
  @ApiServiceUnavailableResponse({
    description: 'Stopping, or too many streams on this instance: reconnect (elsewhere) shortly',
  })
  async follow(
    @CurrentActor() actor: Actor,
    @Query() query: StreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.stream.start(actor, requestedCursor(lastEventId, query.since), req, res);
  }

  @Get(':id')
  @ApiOkResponse({ type: DispatchDetailDto, description: 'The dispatch with its full log (access-logged)' })
  @ApiNotFoundResponse({ description: 'No such dispatch for your team' })
  get(@CurrentActor() actor: Actor, @Param('id', dispatchId) id: string): Promise<DispatchDetailDto> {
    return this.queries.detail(actor, id);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOkResponse({ type: DispatchDetailDto, description: 'Accepted by you (also when you had already accepted it)' })
  @ApiNotFoundResponse({ description: 'No such dispatch for your team' })
  @ApiConflictResponse({
    description:
      'Another nurse accepted it first (acceptedBy names them), it expired (acceptBy passed), was declined or withdrawn',
  })
  accept(@CurrentActor() actor: Actor, @Param('id', dispatchId) id: string): Promise<DispatchDetailDto> {
    return this.step(actor, id, 'accept');
  }

  @Post(':id/decline')
  @HttpCode(200)
  @ApiOkResponse({
    type: DispatchDetailDto,
    description: 'Declined for the team, with the reason (also when you had already declined it)',
  })
  @ApiBadRequestResponse({ description: 'No reason' })
  @ApiNotFoundResponse({ description: 'No such dispatch for your team' })
  @ApiConflictResponse({
    description:
      'Only a requested dispatch can be declined: accepted (a nurse who accepted hands back by calling the centre), expired, withdrawn',
  })
  decline(
    @CurrentActor() actor: Actor,
    @Param('id', dispatchId) id: string,
    @Body() body: DeclineDispatchDto,
  ): Promise<DispatchDetailDto> {
    return this.step(actor, id, 'decline', { reason: body.reason });
  }

  @Post(':id/en-route')
  @HttpCode(200)
  @ApiOkResponse({ type: DispatchDetailDto, description: 'On the way (also when you had already said so)' })
  @ApiNotFoundResponse({ description: 'No such dispatch for your team' })
  @ApiConflictResponse({ description: 'Not accepted yet, already further on by someone else, withdrawn' })
  enRoute(@CurrentActor() actor: Actor, @Param('id', dispatchId) id: string): Promise<DispatchDetailDto> {
    return this.step(actor, id, 'en_route');
  }

  @Post(':id/arrived')
  @HttpCode(200)
  @ApiOkResponse({ type: DispatchDetailDto, description: 'At the resident (also when you had already said so)' })
  @ApiNotFoundResponse({ description: 'No such dispatch for your team' })
  @ApiConflictResponse({
    description: 'Not en route yet (mark en route first), already further on by someone else, withdrawn',
  })
  arrived(@CurrentActor() actor: Actor, @Param('id', dispatchId) id: string): Promise<DispatchDetailDto> {
    return this.step(actor, id, 'arrived');
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOkResponse({
    type: DispatchDetailDto,
    description: 'Visit done, with the report (also when you had already completed it: the first report stays)',
  })
  @ApiBadRequestResponse({ description: 'No report' })
  @ApiNotFoundResponse({ description: 'No such dispatch for your team' })
  @ApiConflictResponse({ description: 'Not arrived yet (mark arrived first), completed by someone else, withdrawn' })
  complete(
    @CurrentActor() actor: Actor,
    @Param('id', dispatchId) id: string,
    @Body() body: CompleteDispatchDto,
  ): Promise<DispatchDetailDto> {
    return this.step(actor, id, 'complete', { report: body.report });
  }

  private async step(actor: Actor, id: string, step: NurseStep, input?: StepInput): Promise<DispatchDetailDto> {
    await this.actions.act(actor, id, step, input);
    return this.queries.detail(actor, id);
  }
}
