import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Interval } from '@nestjs/schedule';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { AlarmEscalatedRecord, encodeAlarmEventRecord, KafkaTopics } from '@welfare/contracts';
import { OutboxMessage, OutboxRelayService } from '@welfare/persistence';
import { Clock, InjectMetric, PeriodicSweep } from '@welfare/platform';
import { Alarm } from '../alarms/alarm.entity';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { EscalationPolicy } from './escalation-policy';

export const ESCALATION_SWEEP = Symbol('ESCALATION_SWEEP');
const BATCH = 100;

/** Why an alarm escalated when it was not simply left unacknowledged (logged in the step's details). */
export interface EscalationCause {
  cause: 'dispatch_declined' | 'dispatch_expired' | 'dispatch_unanswered';
  dispatchId: string;
}

/**
 * Escalates open alarms left unacknowledged past their priority's limit: the level rises, the
 * step is logged, and an `alarm.escalated` record goes to supervisors (alarm-events topic, via
 * the outbox), all in one transaction. The due time is a column, so a restart loses no timer;
 * rows are taken with SKIP LOCKED and changed in the same transaction, so with two instances
 * each escalation happens once.
 */
@Injectable()
export class EscalationService {
  private readonly logger = new Logger(EscalationService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'escalation sweep');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly policy: EscalationPolicy,
    private readonly relay: OutboxRelayService,
    private readonly clock: Clock,
    @InjectMetric('alarms_escalated_total') private readonly escalated: Counter<'priority'>,
  ) {}

  /** Every second, one sweep at a time per instance; a failed sweep is logged and the next one tries again. */
  @Interval('escalation-sweep', 1000)
  sweep(): Promise<number> {
    return this.periodicSweep.run(() => this.escalateDue(this.clock.now()));
  }

  /** Escalates every alarm due at `now` (tests pass a time of their choosing); returns how many. */
  async escalateDue(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const due = await this.alarms.lockDueForEscalation(manager, now, BATCH);
        for (const alarm of due) await this.escalate(manager, alarm, now);
        return due.length;
      });
      total += count;
      if (count < BATCH) break;
    }
    if (total > 0) void this.relay.drain();
    return total;
  }

  /**
   * One escalation, inside the caller's transaction (which holds the alarm's row): the level
   * rises, the step is logged and supervisors are told on alarm-events.v1. An open alarm's next
   * escalation is due a limit later; an acknowledged one (its dispatch failed) has no timer, an
   * operator has it and must act again.
   */
  async escalate(manager: EntityManager, alarm: Alarm, now: Date, cause?: EscalationCause): Promise<void> {
    const level = alarm.escalationLevel + 1;
    const nextAt = alarm.state === 'open' ? this.policy.nextDueAt(alarm.priority, now) : null;
    await this.alarms.escalate(manager, alarm.id, level, nextAt, now);
    const waitedSeconds = Math.round((now.getTime() - alarm.openedAt.getTime()) / 1000);
    await this.log.append(manager, {
      alarmId: alarm.id,
      step: 'escalated',
      at: now,
      actorKind: 'system',
      actorId: 'escalation',
      details: { level, waitedSeconds, ...cause },
    });
    const record: AlarmEscalatedRecord = {
      v: 1,
      type: 'alarm.escalated',
      alarmId: alarm.id,
      escalationLevel: level,
      priority: alarm.priority,
      triggerType: alarm.triggerType,
      deviceId: alarm.deviceId,
      residentId: alarm.residentId,
      municipalityId: alarm.municipalityId,
      responseCentreId: alarm.responseCentreId,
      openedAt: alarm.openedAt.toISOString(),
      escalatedAt: now.toISOString(),
    };
    await manager.insert(OutboxMessage, {
      topic: KafkaTopics.alarmEvents,
      messageKey: alarm.id,
      payload: encodeAlarmEventRecord(record).toString('utf8'),
      createdAt: now,
    });
    this.escalated.inc({ priority: String(alarm.priority) });
    this.logger.warn(
      { alarmId: alarm.id, level, priority: alarm.priority, waitedSeconds, ...cause },
      cause ? `alarm escalated: ${cause.cause}` : 'alarm escalated: still unacknowledged',
    );
  }
}
