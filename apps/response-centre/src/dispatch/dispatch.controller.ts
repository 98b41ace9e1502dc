import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { AlarmQueriesService } from '../alarms/alarm-queries.service';
import { AlarmDetailDto } from '../alarms/dto/alarm.dto';
import { DispatchService } from './dispatch.service';
import { DispatchRequestDto, WithdrawDispatchDto } from './dto/dispatch.dto';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('alarms')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid bearer token' })
@ApiForbiddenResponse({ description: 'Not an operator or supervisor of a response centre' })
@ApiNotFoundResponse({
  description: 'No such alarm in your centre (alarm_not_found), or no such dispatch on it (dispatch_not_found)',
})
@Roles('operator', 'supervisor')
@Controller('api/alarms/:id/dispatches')
export class DispatchController {
  constructor(
    private readonly dispatch: DispatchService,
    private readonly queries: AlarmQueriesService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({
    type: AlarmDetailDto,
    description: 'Dispatched: the alarm with its dispatches; home care is told through dispatches.v1',
  })
  @ApiConflictResponse({
    description:
      'The alarm is not taken (alarm_not_acknowledged) or is resolved (alarm_resolved), or a dispatch is still active (dispatch_already_active)',
  })
  @ApiUnprocessableEntityResponse({
    description:
      "The team is unknown to the registry's published teams (home_care_team_unknown), serves another municipality (home_care_team_wrong_municipality), or the alarm has no municipality (alarm_without_municipality)",
  })
  async create(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) alarmId: string,
    @Body() body: DispatchRequestDto,
  ): Promise<AlarmDetailDto> {
    await this.dispatch.dispatch(actor, alarmId, body);
    return this.queries.detail(actor, alarmId);
  }

  @Post(':dispatchId/withdraw')
  @HttpCode(200)
  @ApiOkResponse({ type: AlarmDetailDto, description: 'Withdrawn: home care is told, with the reason' })
  @ApiConflictResponse({
    description:
      'The dispatch is no longer active (dispatch_not_active): declined, expired, unanswered, completed or withdrawn',
  })
  async withdraw(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) alarmId: string,
    @Param('dispatchId', uuid) dispatchId: string,
    @Body() body: WithdrawDispatchDto,
  ): Promise<AlarmDetailDto> {
    await this.dispatch.withdraw(actor, alarmId, dispatchId, body.reason);
    return this.queries.detail(actor, alarmId);
  }
}
