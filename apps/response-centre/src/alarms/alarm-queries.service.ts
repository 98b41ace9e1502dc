import { Injectable } from '@nestjs/common';
import { AccessLogService, Actor } from '@welfare/access';
import { Clock } from '@welfare/platform';
import { centreScopeOf } from '../access/centre-scope';
import { DeviceEventsRepository } from '../device-events/device-events.repository';
import { DispatchesRepository } from '../dispatch/dispatches.repository';
import { toDispatchDto } from '../dispatch/dispatch-views';
import { HandlingLogEntry } from '../handling-log/handling-log-entry.entity';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { RegistryHomeCareTeamsRepository } from '../registry-view/registry-home-care-teams.repository';
import { residentsOf, toAlarmSummary, toPositionDto } from './alarm-summary';
import { alarmNotFound } from './alarm-state';
import { AlarmsRepository } from './alarms.repository';
import { AlarmDetailDto, AlarmSummaryDto, HandlingLogEntryDto } from './dto/alarm.dto';
import { PositionsRepository } from '../resident-rules/positions.repository';
import { RegistryResidentsRepository } from '../registry-view/registry-residents.repository';

const TRAIL_SHOWN = 20;
const RECENT_EVENTS_SHOWN = 20;

/** Read models of alarms for the operator's queue and detail view, scoped to the operator's centre. */
@Injectable()
export class AlarmQueriesService {
  constructor(
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly events: DeviceEventsRepository,
    private readonly dispatches: DispatchesRepository,
    private readonly teams: RegistryHomeCareTeamsRepository,
    private readonly clock: Clock,
    private readonly accessLog: AccessLogService,
    private readonly positions: PositionsRepository,
    private readonly residents: RegistryResidentsRepository,
  ) {}

  async queue(actor: Actor, limit: number, state?: 'open' | 'acknowledged'): Promise<AlarmSummaryDto[]> {
    const alarms = await this.alarms.findUnresolved(centreScopeOf(actor), limit, state ? [state] : undefined);
    const [dispatches, positions] = await Promise.all([
      this.dispatches.latestFor(alarms.map((alarm) => alarm.id)),
      this.positions.latestOfResidents(residentsOf(alarms)),
    ]);
    const now = this.clock.now();
    return alarms.map((alarm) =>
      toAlarmSummary(alarm, dispatches.get(alarm.id) ?? null, positions.get(alarm.residentId ?? '') ?? null, now),
    );
  }

  /** The detail is personal data (what happened to whom): the read is logged before it is answered. */
  async detail(actor: Actor, alarmId: string): Promise<AlarmDetailDto> {
    const alarm = await this.alarms.findInScope(centreScopeOf(actor), alarmId);
    if (!alarm) throw alarmNotFound(alarmId);
    await this.accessLog.record(actor, [{ action: 'alarm.read', resourceId: alarm.id, residentId: alarm.residentId }]);
    const residentId = alarm.residentId;
    const [log, trigger, dispatches, teams, resident, trail, recent] = await Promise.all([
      this.log.forAlarm(alarmId),
      this.events.findOne(alarm.deviceId, alarm.triggerEventId),
      this.dispatches.forAlarm(alarmId),
      alarm.municipalityId ? this.teams.ofMunicipality(alarm.municipalityId) : [],
      residentId ? this.residents.details(residentId) : null,
      residentId ? this.positions.trailOfResident(residentId, TRAIL_SHOWN) : [],
      this.events.newest(alarm.deviceId, RECENT_EVENTS_SHOWN),
    ]);
    const now = this.clock.now();
    return {
      ...toAlarmSummary(alarm, dispatches.at(-1) ?? null, trail[0] ?? null, now),
      resolvedBy: alarm.resolvedBy,
      resolvedAt: alarm.resolvedAt?.toISOString() ?? null,
      outcome: alarm.outcome,
      triggerEvent: (trigger?.payload as Record<string, unknown> | undefined) ?? null,
      log: log.map(toLogDto),
      resident,
      recentEvents: recent.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        occurredAt: event.occurredAt.toISOString(),
        payload: event.payload as Record<string, unknown>,
      })),
      trail: trail.map((position) => toPositionDto(position, now)),
      dispatches: dispatches.map(toDispatchDto),
      homeCareTeams: teams.map((team) => ({ id: team.id, name: team.name })),
    };
  }
}

function toLogDto(entry: HandlingLogEntry): HandlingLogEntryDto {
  return {
    id: entry.id,
    step: entry.step,
    at: entry.at.toISOString(),
    actorKind: entry.actorKind,
    actorId: entry.actorId,
    details: entry.details,
  };
}
