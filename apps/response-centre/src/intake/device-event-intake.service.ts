import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Clock, crashPoint, InjectMetric } from '@welfare/platform';
import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord } from '@welfare/contracts';
import { Alarm } from '../alarms/alarm.entity';
import { alarmPriorityFor, AlarmPriority } from '../alarms/alarm-rules';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { DeviceCommandOutbox } from '../outbox/device-command-outbox';
import { OutboxRelayService } from '@welfare/persistence';
import { DeviceEventsRepository } from '../device-events/device-events.repository';
import { RegistryDevicesRepository } from '../registry-view/registry-devices.repository';

export type IntakeResult =
  | { outcome: 'alarm_opened'; alarmId: string }
  | { outcome: 'stored' }
  | { outcome: 'duplicate'; alarmId: string | null };

/**
 * Turns one device event into stored facts, in one transaction: the event on the device's
 * history, and for alarm events the alarm, its first handling step and the `alarm.received`
 * command for the device. A second delivery of the same event changes nothing but re-sends
 * `alarm.received`, since a device that resends may not have heard the first one.
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
    private readonly clock: Clock,
    @InjectMetric('device_events_stored_total') private readonly stored: Counter<'type' | 'outcome'>,
  ) {}

  async intake(record: DeviceEventRecord): Promise<IntakeResult> {
    const result = await this.dataSource.transaction((manager) => this.store(manager, record));
    // Stored, offset not yet committed: the record comes again and must change nothing.
    crashPoint('intake.after-commit');
    this.stored.inc({ type: record.event.type, outcome: result.outcome });
    if (result.outcome === 'alarm_opened') {
      this.logger.log({ alarmId: result.alarmId, deviceId: record.deviceId, eventId: record.event.id, type: record.event.type }, 'alarm opened');
    }
    if (result.outcome !== 'stored') void this.relay.drain();
    return result;
  }

  private async store(manager: EntityManager, record: DeviceEventRecord): Promise<IntakeResult> {
    const now = this.clock.now();
    const eventRowId = await this.events.insertIfNew(manager, record, now);
    if (eventRowId === null) return this.redelivered(manager, record, now);
    const priority = alarmPriorityFor(record.event.type);
    if (priority === null) return { outcome: 'stored' };
    const alarmId = await this.openAlarm(manager, record, priority, now);
    await this.events.linkAlarm(manager, eventRowId, alarmId);
    return { outcome: 'alarm_opened', alarmId };
  }

  private async openAlarm(manager: EntityManager, record: DeviceEventRecord, priority: AlarmPriority, now: Date): Promise<string> {
    const { deviceId, event } = record;
    // An alarm from a device the registry has not (yet) told us about still opens: it is stamped later or by hand, never dropped.
    const owner = await this.registry.ownership(manager, deviceId);
    if (!owner) this.logger.warn({ deviceId, eventId: event.id }, 'alarm from a device the registry does not know');
    const alarm: Alarm = {
      id: randomUUID(),
      deviceId,
      triggerEventId: event.id,
      triggerType: event.type,
      priority,
      state: 'open',
      triggeredAt: deviceTimeInstant(event.time),
      openedAt: now,
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedBy: null,
      resolvedAt: null,
      outcome: null,
      updatedAt: now,
      residentId: owner?.residentId ?? null,
      municipalityId: owner?.municipalityId ?? null,
      responseCentreId: owner?.responseCentreId ?? null,
    };
    await this.alarms.insert(manager, alarm);
    await this.log.append(manager, {
      alarmId: alarm.id,
      step: 'received',
      at: now,
      actorKind: 'device',
      actorId: deviceId,
      details: { eventId: event.id, type: event.type, deviceTime: event.time, receivedAt: record.receivedAt, priority },
    });
    await this.outbox.enqueue(manager, deviceId, { type: 'alarm.received', ref: event.id, alarmId: alarm.id }, now);
    return alarm.id;
  }

  private async redelivered(manager: EntityManager, record: DeviceEventRecord, now: Date): Promise<IntakeResult> {
    const existing = await this.events.findOne(record.deviceId, record.event.id, manager);
    const alarmId = existing?.alarmId ?? null;
    if (alarmId) {
      await this.outbox.enqueue(manager, record.deviceId, { type: 'alarm.received', ref: record.event.id, alarmId }, now);
    }
    return { outcome: 'duplicate', alarmId };
  }
}
