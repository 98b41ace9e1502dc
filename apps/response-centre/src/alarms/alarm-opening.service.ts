import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EscalationPolicy } from '../escalation/escalation-policy';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { DeviceCommandOutbox, type OutboxRow } from '../outbox/device-command-outbox';
import type { DeviceOwnership } from '../registry-view/registry-devices.repository';
import { AlarmKind, AlarmPriority, AlarmTrigger, correlationKey } from './alarm-rules';
import { AlarmsRepository } from './alarms.repository';
import { newAlarm } from './new-alarm';

/** Why an alarm opens: a device event by rule, or a watch that ran out (door left open). */
export interface AlarmCause {
  deviceId: string;
  /** The device event (or, for a watch, a key naming what ran out); unique per device. */
  triggerEventId: string;
  triggerType: AlarmTrigger;
  priority: AlarmPriority;
  kind: AlarmKind;
  triggeredAt: Date;
  owner: DeviceOwnership | null;
  /** Logged on the "received" (or "repeated") step. */
  details: Record<string, unknown>;
  /** A device event caused it: the device is told `alarm.received` (also for a repeat). */
  fromDeviceEvent: boolean;
}

/**
 * Opens an alarm, or attaches the cause to the unresolved alarm with the same correlation key
 * (a repeat: logged on it and bumping it). The partial unique index on the correlation key
 * decides between concurrent causes; the loser attaches. Runs inside the caller's transaction.
 */
@Injectable()
export class AlarmOpeningService {
  constructor(
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly outbox: DeviceCommandOutbox,
    private readonly escalation: EscalationPolicy,
  ) {}

  async openOrAttach(
    manager: EntityManager,
    cause: AlarmCause,
    now: Date,
  ): Promise<{ alarmId: string; opened: boolean }> {
    const key = correlationKey(cause.kind, cause.triggerType, cause.deviceId, cause.owner?.residentId ?? null);
    // A repeat first: finding, locking and bumping the unresolved alarm is one statement.
    const repeated = await this.alarms.attachRepeatByKey(manager, key, cause.triggeredAt, now);
    if (repeated) return this.logRepeat(manager, repeated.id, repeated.repeatCount, cause, now);
    const alarm = newAlarm({
      ...cause,
      correlationKey: key,
      openedAt: now,
      escalateAt: this.escalation.firstDueAt(cause.priority, now),
    });
    const { opened: isNew } = await this.alarms.openUnlessCorrelated(manager, alarm);
    if (!isNew) {
      // Another transaction opened it meanwhile (the unique index decided; the row is locked now): attach to that one.
      const bumped = (await this.alarms.attachRepeatByKey(manager, key, cause.triggeredAt, now))!;
      return this.logRepeat(manager, bumped.id, bumped.repeatCount, cause, now);
    }
    await this.log.appendWithCommand(
      manager,
      {
        alarmId: alarm.id,
        step: 'received',
        at: now,
        ...actorOf(cause),
        details: { ...cause.details, priority: cause.priority },
      },
      this.commandToDevice(cause, alarm.id, now),
    );
    return { alarmId: alarm.id, opened: true };
  }

  /** The repeat's step (the alarm row is bumped already), and the device told again. */
  private async logRepeat(
    manager: EntityManager,
    alarmId: string,
    repeat: number,
    cause: AlarmCause,
    now: Date,
  ): Promise<{ alarmId: string; opened: boolean }> {
    await this.log.appendWithCommand(
      manager,
      {
        alarmId,
        step: 'repeated',
        at: now,
        ...actorOf(cause),
        details: { ...cause.details, repeat },
      },
      this.commandToDevice(cause, alarmId, now),
    );
    return { alarmId, opened: false };
  }

  /** A device event caused it: the device is told `alarm.received` (also for a repeat). */
  private commandToDevice(cause: AlarmCause, alarmId: string, now: Date): OutboxRow | null {
    if (!cause.fromDeviceEvent) return null;
    return this.outbox.row(cause.deviceId, { type: 'alarm.received', ref: cause.triggerEventId, alarmId }, now);
  }
}

function actorOf(cause: AlarmCause): { actorKind: 'device' | 'system'; actorId: string } {
  return cause.fromDeviceEvent
    ? { actorKind: 'device', actorId: cause.deviceId }
    : { actorKind: 'system', actorId: 'rules' };
}
