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
import { RegistryResidentsRepository } from '../registry-view/registry-residents.repository';
import { PositionsRepository } from './positions.repository';
import { zonesContaining } from './safe-zones';

/**
 * `gps.position`: kept on the device's trail; leaving every safe zone of the resident opens a
 * priority-2 alarm with the position (a leave while one is unresolved attaches to it), and coming
 * back is logged on it; the operator closes it. Only the crossing counts: positions outside after
 * the first one add to the trail, not to the alarm, so a tracker reporting every minute does not
 * flood the log, and an alarm the operator resolved while the resident was still out is not
 * reopened until they come back and leave again.
 */
@Injectable()
export class PositionRulesService {
  constructor(
    private readonly positions: PositionsRepository,
    private readonly residents: RegistryResidentsRepository,
    private readonly opening: AlarmOpeningService,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
  ) {}

  async position(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId, event } = record;
    const fields = event as unknown as { lat: number; lon: number; accuracy?: number };
    const point = { lat: fields.lat, lon: fields.lon };
    const residentId = owner?.residentId ?? null;
    const zones = residentId ? ((await this.residents.rulesFor(manager, residentId))?.safeZones ?? []) : [];
    const inside = zones.length === 0 ? null : zonesContaining(zones, point).length > 0;
    const previous = await this.positions.previousInside(manager, deviceId);
    const at = deviceTimeInstant(event.time);
    await this.positions.append(manager, {
      deviceId,
      residentId,
      eventId: event.id,
      ...point,
      accuracyMeters: fields.accuracy ?? null,
      at,
      receivedAt: new Date(record.receivedAt),
      insideSafeZone: inside,
    });
    const details = {
      eventId: event.id,
      type: event.type,
      deviceTime: event.time,
      receivedAt: record.receivedAt,
      ...point,
      accuracyMeters: fields.accuracy ?? null,
    };
    if (inside === false && previous !== false) {
      const cause = {
        deviceId,
        triggerEventId: event.id,
        triggerType: 'gps.left_safe_zone' as const,
        ...RULE_ALARM,
        triggeredAt: at,
        owner,
        fromDeviceEvent: true,
      };
      return openedOrRepeated(
        await this.opening.openOrAttach(
          manager,
          { ...cause, details: { ...details, zones: zones.map((zone) => zone.name) } },
          now,
        ),
      );
    }
    if (inside === true && previous === false)
      return this.returned(
        manager,
        deviceId,
        residentId,
        details,
        zonesContaining(zones, point).map((zone) => zone.name),
        now,
      );
    return { outcome: 'stored' };
  }

  private async returned(
    manager: EntityManager,
    deviceId: string,
    residentId: string | null,
    details: Record<string, unknown>,
    zones: string[],
    now: Date,
  ): Promise<IntakeResult> {
    const alarm = await this.alarms.findUnresolvedByKey(
      manager,
      correlationKey('care', 'gps.left_safe_zone', deviceId, residentId),
    );
    if (!alarm) return { outcome: 'stored' };
    await this.log.append(manager, {
      alarmId: alarm.id,
      step: 'returned_to_safe_zone',
      at: now,
      actorKind: 'device',
      actorId: deviceId,
      details: { ...details, zones },
    });
    return { outcome: 'logged_on_alarm', alarmId: alarm.id };
  }
}
