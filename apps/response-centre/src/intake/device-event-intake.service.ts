import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Clock, crashPoint, InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord, DeviceEventType } from '@welfare/contracts';
import { AlarmKind, AlarmPriority, correlationKey, EventRule, mayOpenAlarm, ruleFor } from '../alarms/alarm-rules';
import { AlarmOpeningService } from '../alarms/alarm-opening.service';
import { DoorRulesService } from '../resident-rules/door-rules.service';
import { PositionRulesService } from '../resident-rules/position-rules.service';
import { IntakeResult, openedOrRepeated } from './intake-result';
import { DeviceSupervisionRepository } from '../supervision/device-supervision.repository';
import { SUPERVISION_SETTINGS } from '../supervision/supervision.service';
import type { SupervisionSettings } from '../supervision/supervision.service';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { DeviceCommandOutbox } from '../outbox/device-command-outbox';
import { OutboxRelayService } from '@welfare/persistence';
import { DeviceEventsRepository } from '../device-events/device-events.repository';
import { RegistryDevicesRepository } from '../registry-view/registry-devices.repository';

/**
 * Turns one device event into stored facts, in one transaction: the event on the device's
 * history and what its rule says (alarm-rules.ts): a new alarm, or a repeat attached to the
 * unresolved alarm of the same kind, with its handling step and the `alarm.received` command
 * for the device; a cancellation or a clearance logged on the alarm it concerns; door and GPS
 * events by the resident's rules (resident-rules/). A second
 * delivery of the same event changes nothing but re-sends `alarm.received`, since a device
 * that resends may not have heard the first one.
 */
@Injectable()
export class DeviceEventIntakeService {
  private readonly logger = new Logger(DeviceEventIntakeService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: DeviceEventsRepository,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly outbox: DeviceCommandOutbox,
    private readonly relay: OutboxRelayService,
    private readonly registry: RegistryDevicesRepository,
    private readonly opening: AlarmOpeningService,
    private readonly doors: DoorRulesService,
    private readonly positions: PositionRulesService,
    private readonly supervision: DeviceSupervisionRepository,
    @Inject(SUPERVISION_SETTINGS) private readonly supervisionSettings: SupervisionSettings,
    private readonly clock: Clock,
    @InjectMetric('device_events_stored_total') private readonly stored: Counter<'type' | 'outcome'>,
  ) {}

  async intake(record: DeviceEventRecord): Promise<IntakeResult> {
    const result = await this.dataSource.transaction((manager) => this.store(manager, record));
    // Stored, offset not yet committed: the record comes again and must change nothing.
    crashPoint('intake.after-commit');
    this.stored.inc({ type: record.event.type, outcome: result.outcome });
    if (result.outcome === 'alarm_opened' || result.outcome === 'alarm_repeated') {
      this.logger.log(
        { alarmId: result.alarmId, deviceId: record.deviceId, eventId: record.event.id, type: record.event.type },
        result.outcome === 'alarm_opened' ? 'alarm opened' : 'repeat attached to alarm',
      );
    }
    if (result.outcome !== 'stored') void this.relay.drain();
    return result;
  }

  private async store(manager: EntityManager, record: DeviceEventRecord): Promise<IntakeResult> {
    const now = this.clock.now();
    const eventRowId = await this.events.insertIfNew(manager, record, now);
    if (eventRowId === null) return this.redelivered(manager, record, now);
    await this.heardFrom(manager, record, now);
    const rule = ruleFor(record.event.type);
    const result = await this.apply(manager, rule, record, now);
    if ('alarmId' in result && result.alarmId) await this.events.linkAlarm(manager, eventRowId, result.alarmId);
    return result;
  }

  /** Any event means the device is alive: its silence deadline moves on, and its "device silent" alarm closes. */
  private async heardFrom(manager: EntityManager, record: DeviceEventRecord, now: Date): Promise<void> {
    const silentAlarmId = await this.supervision.heard(
      manager,
      record.deviceId,
      now,
      this.supervisionSettings.graceSeconds,
    );
    if (!silentAlarmId) return;
    const alarm = await this.alarms.findUnresolvedByKey(
      manager,
      correlationKey('technical', 'device.silent', record.deviceId, null),
    );
    if (alarm?.id !== silentAlarmId) return; // linked to the fleet alarm, or already closed
    await this.closeByDevice(manager, alarm.id, record, now, { reason: 'heard again' });
  }

  private async apply(
    manager: EntityManager,
    rule: EventRule,
    record: DeviceEventRecord,
    now: Date,
  ): Promise<IntakeResult> {
    switch (rule.action) {
      case 'open':
        return this.openOrAttach(manager, record, rule.priority, rule.kind, now);
      case 'cancel':
        return this.cancelAtDevice(manager, record, now);
      case 'clear':
        return this.clearByDevice(manager, record, rule.clears, now);
      case 'door_opened':
        return this.doors.opened(manager, record, await this.registry.ownership(manager, record.deviceId), now);
      case 'door_closed':
        return this.doors.closed(manager, record, await this.registry.ownership(manager, record.deviceId), now);
      case 'position':
        return this.positions.position(manager, record, await this.registry.ownership(manager, record.deviceId), now);
      case 'keep':
        return { outcome: 'stored' };
    }
  }

  /**
   * A new alarm, unless the resident (or, for a technical alarm, the device) already has an
   * unresolved one of this kind: then the event is attached to it as a repeat.
   */
  private async openOrAttach(
    manager: EntityManager,
    record: DeviceEventRecord,
    priority: AlarmPriority,
    kind: AlarmKind,
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId, event } = record;
    // An alarm from a device the registry has not (yet) told us about still opens: it is stamped later or by hand, never dropped.
    const owner = await this.registry.ownership(manager, deviceId);
    if (!owner) this.logger.warn({ deviceId, eventId: event.id }, 'alarm from a device the registry does not know');
    const details = { eventId: event.id, type: event.type, deviceTime: event.time, receivedAt: record.receivedAt };
    const cause = {
      deviceId,
      triggerEventId: event.id,
      triggerType: event.type,
      priority,
      kind,
      triggeredAt: deviceTimeInstant(event.time),
      owner,
      details,
      fromDeviceEvent: true,
    };
    return openedOrRepeated(await this.opening.openOrAttach(manager, cause, now));
  }

  /** `alarm.cancelled`: logged on the alarm of the event it names, which is marked; an operator still closes it. */
  private async cancelAtDevice(manager: EntityManager, record: DeviceEventRecord, now: Date): Promise<IntakeResult> {
    const ref = String((record.event as { ref?: unknown }).ref ?? '');
    const cancelled = await this.events.findOne(record.deviceId, ref, manager);
    if (!cancelled?.alarmId) {
      this.logger.warn(
        { deviceId: record.deviceId, eventId: record.event.id, ref },
        'cancellation of an event that opened no alarm; kept on the history',
      );
      return { outcome: 'stored' };
    }
    await this.alarms.markCancelledAtDevice(manager, cancelled.alarmId, now);
    await this.log.append(manager, {
      alarmId: cancelled.alarmId,
      step: 'cancelled_at_device',
      at: now,
      actorKind: 'device',
      actorId: record.deviceId,
      details: { eventId: record.event.id, ref, deviceTime: record.event.time },
    });
    return { outcome: 'logged_on_alarm', alarmId: cancelled.alarmId };
  }

  /** `power.restored`: logged on the device's unresolved power alarm, which it closes. */
  private async clearByDevice(
    manager: EntityManager,
    record: DeviceEventRecord,
    clears: DeviceEventType,
    now: Date,
  ): Promise<IntakeResult> {
    const alarm = await this.alarms.findUnresolvedByKey(
      manager,
      correlationKey('technical', clears, record.deviceId, null),
    );
    if (!alarm) return { outcome: 'stored' };
    await this.closeByDevice(manager, alarm.id, record, now);
    return { outcome: 'logged_on_alarm', alarmId: alarm.id };
  }

  /** The device itself reports the cause gone: the alarm is resolved by it, and the event logged on it. */
  private async closeByDevice(
    manager: EntityManager,
    alarmId: string,
    record: DeviceEventRecord,
    now: Date,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.alarms.clearByDevice(manager, alarmId, record.deviceId, now);
    await this.log.append(manager, {
      alarmId,
      step: 'cleared_by_device',
      at: now,
      actorKind: 'device',
      actorId: record.deviceId,
      details: { eventId: record.event.id, type: record.event.type, deviceTime: record.event.time, ...extra },
    });
  }

  private async redelivered(manager: EntityManager, record: DeviceEventRecord, now: Date): Promise<IntakeResult> {
    const existing = await this.events.findOne(record.deviceId, record.event.id, manager);
    const alarmId = existing?.alarmId ?? null;
    if (alarmId && mayOpenAlarm(record.event.type)) {
      await this.outbox.enqueue(
        manager,
        record.deviceId,
        { type: 'alarm.received', ref: record.event.id, alarmId },
        now,
      );
    }
    return { outcome: 'duplicate', alarmId };
  }
}
