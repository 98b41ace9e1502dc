import { Injectable } from '@nestjs/common';
import { AccessLogService, Actor } from '@welfare/access';
import { Clock } from '@welfare/platform';
import { centreScopeOf } from '../access/centre-scope';
import { DeviceEventsRepository } from '../device-events/device-events.repository';
import { HandlingLogEntry } from '../handling-log/handling-log-entry.entity';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { Alarm } from './alarm.entity';
import { alarmNotFound } from './alarm-state';
import { AlarmsRepository } from './alarms.repository';
import { AlarmDetailDto, AlarmSummaryDto, HandlingLogEntryDto, PositionDto } from './dto/alarm.dto';
import { Position, PositionsRepository } from '../resident-rules/positions.repository';
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
    private readonly clock: Clock,
    private readonly accessLog: AccessLogService,
    private readonly positions: PositionsRepository,
    private readonly residents: RegistryResidentsRepository,
  ) {}

  async queue(actor: Actor, limit: number, state?: 'open' | 'acknowledged'): Promise<AlarmSummaryDto[]> {
    const alarms = await this.alarms.findUnresolved(centreScopeOf(actor), limit, state ? [state] : undefined);
    const positions = await this.positions.latestOfResidents([...new Set(alarms.flatMap((alarm) => (alarm.residentId ? [alarm.residentId] : [])))]);
    const now = this.clock.now();
    return alarms.map((alarm) => this.summary(alarm, now, positions.get(alarm.residentId ?? '') ?? null));
  }

  /** The detail is personal data (what happened to whom): the read is logged before it is answered. */
  async detail(actor: Actor, alarmId: string): Promise<AlarmDetailDto> {
    const alarm = await this.alarms.findInScope(centreScopeOf(actor), alarmId);
    if (!alarm) throw alarmNotFound(alarmId);
    await this.accessLog.record(actor, [{ action: 'alarm.read', resourceId: alarm.id, residentId: alarm.residentId }]);
    const residentId = alarm.residentId;
    const [log, trigger, resident, trail, recent] = await Promise.all([
      this.log.forAlarm(alarmId),
      this.events.findOne(alarm.deviceId, alarm.triggerEventId),
      residentId ? this.residents.details(residentId) : null,
      residentId ? this.positions.trailOfResident(residentId, TRAIL_SHOWN) : [],
      this.events.newest(alarm.deviceId, RECENT_EVENTS_SHOWN),
    ]);
    const now = this.clock.now();
    return {
      ...this.summary(alarm, now, trail[0] ?? null),
      resolvedBy: alarm.resolvedBy,
      resolvedAt: alarm.resolvedAt?.toISOString() ?? null,
      outcome: alarm.outcome,
      triggerEvent: (trigger?.payload as Record<string, unknown> | undefined) ?? null,
      log: log.map(toLogDto),
      resident,
      recentEvents: recent.map((event) => ({ eventId: event.eventId, type: event.type, occurredAt: event.occurredAt.toISOString(), payload: event.payload as Record<string, unknown> })),
      trail: trail.map((position) => toPositionDto(position, now)),
    };
  }

  summary(alarm: Alarm, now: Date, lastPosition: Position | null): AlarmSummaryDto {
    return {
      id: alarm.id,
      deviceId: alarm.deviceId,
      triggerType: alarm.triggerType,
      triggerEventId: alarm.triggerEventId,
      priority: alarm.priority,
      state: alarm.state,
      triggeredAt: alarm.triggeredAt.toISOString(),
      openedAt: alarm.openedAt.toISOString(),
      ageSeconds: secondsBetween(alarm.openedAt, now),
      acknowledgedBy: alarm.acknowledgedBy,
      acknowledgedAt: alarm.acknowledgedAt?.toISOString() ?? null,
      residentId: alarm.residentId,
      municipalityId: alarm.municipalityId,
      responseCentreId: alarm.responseCentreId,
      kind: alarm.kind,
      repeatCount: alarm.repeatCount,
      lastTriggeredAt: alarm.lastTriggeredAt.toISOString(),
      cancelledAtDeviceAt: alarm.cancelledAtDeviceAt?.toISOString() ?? null,
      escalationLevel: alarm.escalationLevel,
      lastPosition: lastPosition && toPositionDto(lastPosition, now),
    };
  }
}

function toPositionDto(position: Position, now: Date): PositionDto {
  return { ...position, at: position.at.toISOString(), ageSeconds: secondsBetween(position.at, now) };
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

function toLogDto(entry: HandlingLogEntry): HandlingLogEntryDto {
  return { id: entry.id, step: entry.step, at: entry.at.toISOString(), actorKind: entry.actorKind, actorId: entry.actorId, details: entry.details };
}
