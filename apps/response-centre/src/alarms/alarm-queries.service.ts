import { Injectable } from '@nestjs/common';
import { Clock } from '@welfare/platform';
import { DeviceEventsRepository } from '../device-events/device-events.repository';
import { HandlingLogEntry } from '../handling-log/handling-log-entry.entity';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { Alarm } from './alarm.entity';
import { alarmNotFound } from './alarm-state';
import { AlarmsRepository } from './alarms.repository';
import { AlarmDetailDto, AlarmSummaryDto, HandlingLogEntryDto } from './dto/alarm.dto';

/** Read models of alarms for the operator's queue and detail view. */
@Injectable()
export class AlarmQueriesService {
  constructor(
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly events: DeviceEventsRepository,
    private readonly clock: Clock,
  ) {}

  async queue(limit: number, state?: 'open' | 'acknowledged'): Promise<AlarmSummaryDto[]> {
    const alarms = await this.alarms.findUnresolved(limit, state ? [state] : undefined);
    const now = this.clock.now();
    return alarms.map((alarm) => this.summary(alarm, now));
  }

  async detail(alarmId: string): Promise<AlarmDetailDto> {
    const alarm = await this.alarms.findById(alarmId);
    if (!alarm) throw alarmNotFound(alarmId);
    const [log, trigger] = await Promise.all([this.log.forAlarm(alarmId), this.events.findOne(alarm.deviceId, alarm.triggerEventId)]);
    return {
      ...this.summary(alarm, this.clock.now()),
      resolvedBy: alarm.resolvedBy,
      resolvedAt: alarm.resolvedAt?.toISOString() ?? null,
      outcome: alarm.outcome,
      triggerEvent: (trigger?.payload as Record<string, unknown> | undefined) ?? null,
      log: log.map(toLogDto),
    };
  }

  summary(alarm: Alarm, now: Date): AlarmSummaryDto {
    return {
      id: alarm.id,
      deviceId: alarm.deviceId,
      triggerType: alarm.triggerType,
      triggerEventId: alarm.triggerEventId,
      priority: alarm.priority,
      state: alarm.state,
      triggeredAt: alarm.triggeredAt.toISOString(),
      openedAt: alarm.openedAt.toISOString(),
      ageSeconds: Math.max(0, Math.floor((now.getTime() - alarm.openedAt.getTime()) / 1000)),
      acknowledgedBy: alarm.acknowledgedBy,
      acknowledgedAt: alarm.acknowledgedAt?.toISOString() ?? null,
      residentId: alarm.residentId,
      municipalityId: alarm.municipalityId,
      responseCentreId: alarm.responseCentreId,
    };
  }
}

function toLogDto(entry: HandlingLogEntry): HandlingLogEntryDto {
  return { id: entry.id, step: entry.step, at: entry.at.toISOString(), actorKind: entry.actorKind, actorId: entry.actorId, details: entry.details };
}
