import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { OperatorId } from '../operators/operator-id.decorator';
import { AlarmHandlingService } from './alarm-handling.service';
import { AlarmQueriesService } from './alarm-queries.service';
import { AddNoteDto, ListAlarmsQueryDto, ResolveAlarmDto } from './dto/alarm-requests.dto';
import { AlarmDetailDto, AlarmSummaryDto } from './dto/alarm.dto';

const alarmId = new ParseUUIDPipe({ version: '4' });

@ApiTags('alarms')
@ApiSecurity('operator')
@Controller('api/alarms')
export class AlarmsController {
  constructor(
    private readonly queries: AlarmQueriesService,
    private readonly handling: AlarmHandlingService,
  ) {}

  @Get()
  @ApiOkResponse({ type: [AlarmSummaryDto], description: 'Unresolved alarms, most urgent first, then oldest first' })
  list(@Query() query: ListAlarmsQueryDto): Promise<AlarmSummaryDto[]> {
    return this.queries.queue(query.limit, query.state);
  }

  @Get(':id')
  @ApiOkResponse({ type: AlarmDetailDto, description: 'The alarm with its full handling log' })
  @ApiNotFoundResponse()
  get(@Param('id', alarmId) id: string): Promise<AlarmDetailDto> {
    return this.queries.detail(id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOkResponse({ type: AlarmDetailDto, description: 'Taken by you (also when you had already taken it)' })
  @ApiConflictResponse({ description: 'Another operator has it (acknowledgedBy names them), or it is resolved' })
  @ApiUnauthorizedResponse({ description: 'x-operator-id header missing' })
  async acknowledge(@Param('id', alarmId) id: string, @OperatorId() operatorId: string): Promise<AlarmDetailDto> {
    await this.handling.acknowledge(id, operatorId);
    return this.queries.detail(id);
  }

  @Post(':id/notes')
  @HttpCode(201)
  @ApiOkResponse({ type: AlarmDetailDto })
  async addNote(@Param('id', alarmId) id: string, @OperatorId() operatorId: string, @Body() body: AddNoteDto): Promise<AlarmDetailDto> {
    await this.handling.addNote(id, operatorId, body.text);
    return this.queries.detail(id);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOkResponse({ type: AlarmDetailDto })
  @ApiConflictResponse({ description: 'Not acknowledged yet, or already resolved' })
  async resolve(@Param('id', alarmId) id: string, @OperatorId() operatorId: string, @Body() body: ResolveAlarmDto): Promise<AlarmDetailDto> {
    await this.handling.resolve(id, operatorId, body.outcome, body.note);
    return this.queries.detail(id);
  }
}
