import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessLogService, Actor } from '@welfare/access';
import { Clock } from '@welfare/platform';
import { centreScopeOf } from '../access/centre-scope';
import { DeviceEventsRepository } from '../device-events/device-events.repository';
import { DispatchesRepository } from '../dispatch/dispatches.repository';
import { toDispatchDto } from '../dispatch/dispatch-views';
import { HandlingLogEntry } from '../handling-log/handling-log-entry.entity';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { RegistryHomeCareTeamsRepository } from '../registry-view/registry-home-care-teams.repository';
import { ResidentDirectory } from '../registry-view/resident-directory';
import { toAlarmSummary } from './alarm-summary';
import { alarmNotFound } from './alarm-state';
import { AlarmsRepository } from './alarms.repository';
import { AlarmDetailDto, AlarmSummaryDto, HandlingLogEntryDto } from './dto/alarm.dto';

/** Read models of alarms for the operator's queue and detail view, scoped to the operator's centre. */
@Injectable()
export class AlarmQueriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly events: DeviceEventsRepository,
    private readonly dispatches: DispatchesRepository,
    private readonly teams: RegistryHomeCareTeamsRepository,
    private readonly residents: ResidentDirectory,
    private readonly clock: Clock,
    private readonly accessLog: AccessLogService,
  ) {}

  async queue(actor: Actor, limit: number, state?: 'open' | 'acknowledged'): Promise<AlarmSummaryDto[]> {
    const alarms = await this.alarms.findUnresolved(centreScopeOf(actor), limit, state ? [state] : undefined);
    const dispatches = await this.dispatches.latestFor(alarms.map((alarm) => alarm.id));
    const now = this.clock.now();
    return alarms.map((alarm) => toAlarmSummary(alarm, dispatches.get(alarm.id) ?? null, now));
  }

  /** The detail is personal data (what happened to whom): the read is logged before it is answered. */
  async detail(actor: Actor, alarmId: string): Promise<AlarmDetailDto> {
    const alarm = await this.alarms.findInScope(centreScopeOf(actor), alarmId);
    if (!alarm) throw alarmNotFound(alarmId);
    await this.accessLog.record(actor, [{ action: 'alarm.read', resourceId: alarm.id, residentId: alarm.residentId }]);
    const [log, trigger, dispatches, teams, resident] = await Promise.all([
      this.log.forAlarm(alarmId),
      this.events.findOne(alarm.deviceId, alarm.triggerEventId),
      this.dispatches.forAlarm(alarmId),
      alarm.municipalityId ? this.teams.ofMunicipality(alarm.municipalityId) : [],
      this.residents.find(this.dataSource.manager, alarm.residentId),
    ]);
    return {
      ...toAlarmSummary(alarm, dispatches.at(-1) ?? null, this.clock.now()),
      resolvedBy: alarm.resolvedBy,
      resolvedAt: alarm.resolvedAt?.toISOString() ?? null,
      outcome: alarm.outcome,
      triggerEvent: (trigger?.payload as Record<string, unknown> | undefined) ?? null,
      log: log.map(toLogDto),
      resident,
      dispatches: dispatches.map(toDispatchDto),
      homeCareTeams: teams.map((team) => ({ id: team.id, name: team.name })),
    };
  }
}

function toLogDto(entry: HandlingLogEntry): HandlingLogEntryDto {
  return { id: entry.id, step: entry.step, at: entry.at.toISOString(), actorKind: entry.actorKind, actorId: entry.actorId, details: entry.details };
}
