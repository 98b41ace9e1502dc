import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord } from '@welfare/contracts';
import { AlarmOpeningService } from '../alarms/alarm-opening.service';
import { correlationKey, RULE_ALARM } from '../alarms/alarm-rules';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { IntakeResult, openedOrRepeated } from '../intake/intake-result';
import type { DeviceOwnership } from '../registry-view/registry-devices.repository';

/**
 * GPS trackers' database work (what to do is decided in intake/event-decisions.ts): leaving
 * every safe zone of the resident opens a priority-2 alarm with the position (a leave while one
 * is unresolved attaches to it), and coming back is logged on it; the operator closes it. Only
 * the crossing counts, so a tracker reporting every minute does not flood the log, and an alarm
 * the operator resolved while the resident was still out is not reopened until they come back
 * and leave again.
 */
@Injectable()
export class PositionRulesService {
  constructor(
    private readonly opening: AlarmOpeningService,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
  ) {}

  async leftZone(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    zones: string[],
    now: Date,
  ): Promise<IntakeResult> {
    const cause = {
      deviceId: record.deviceId,
      triggerEventId: record.event.id,
      triggerType: 'gps.left_safe_zone' as const,
      ...RULE_ALARM,
      triggeredAt: deviceTimeInstant(record.event.time),
      owner,
      fromDeviceEvent: true,
      details: { ...positionDetails(record), zones },
    };
    return openedOrRepeated(await this.opening.openOrAttach(manager, cause, now));
  }

  async returned(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    zones: string[],
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId } = record;
    const alarm = await this.alarms.findUnresolvedByKey(
      manager,
      correlationKey('care', 'gps.left_safe_zone', deviceId, owner?.residentId ?? null),
    );
    if (!alarm) return { outcome: 'stored' };
    await this.log.append(manager, {
      alarmId: alarm.id,
      step: 'returned_to_safe_zone',
      at: now,
      actorKind: 'device',
      actorId: deviceId,
      details: { ...positionDetails(record), zones },
    });
    return { outcome: 'logged_on_alarm', alarmId: alarm.id };
  }
}

function positionDetails(record: DeviceEventRecord): Record<string, unknown> {
  const { event } = record;
  const fields = event as unknown as { lat: number; lon: number; accuracy?: number };
  return {
    eventId: event.id,
    type: event.type,
    deviceTime: event.time,
    receivedAt: record.receivedAt,
    lat: fields.lat,
    lon: fields.lon,
    accuracyMeters: fields.accuracy ?? null,
  };
}
