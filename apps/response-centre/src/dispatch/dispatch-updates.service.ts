import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { DispatchUpdateRecord, DispatchUpdateType } from '@welfare/contracts';
import { PoisonRecordError } from '@welfare/kafka';
import { OutboxRelayService } from '@welfare/persistence';
import { Clock } from '@welfare/platform';
import { Alarm } from '../alarms/alarm.entity';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { EscalationService } from '../escalation/escalation.service';
import type { HandlingStep } from '../handling-log/handling-log-entry.entity';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { Dispatch, DispatchStatus, isActive } from './dispatch.entity';
import { DispatchesRepository } from './dispatches.repository';

export type UpdateOutcome = 'applied' | 'logged_only' | 'duplicate';

const STEP_OF: Record<DispatchUpdateType, HandlingStep> = {
  'dispatch.accepted': 'dispatch_accepted',
  'dispatch.declined': 'dispatch_declined',
  'dispatch.en_route': 'dispatch_en_route',
  'dispatch.arrived': 'dispatch_arrived',
  'dispatch.completed': 'dispatch_completed',
  'dispatch.expired': 'dispatch_expired',
};

const STATUS_OF: Record<DispatchUpdateType, DispatchStatus> = {
  'dispatch.accepted': 'accepted',
  'dispatch.declined': 'declined',
  'dispatch.en_route': 'en_route',
  'dispatch.arrived': 'arrived',
  'dispatch.completed': 'completed',
  'dispatch.expired': 'expired',
};

/** How far a visit has come; a status only ever moves forward (a late "accepted" after "arrived" changes nothing). */
const PROGRESS: Partial<Record<DispatchStatus, number>> = {
  requested: 0,
  accepted: 1,
  en_route: 2,
  arrived: 3,
  completed: 4,
};

/**
 * Takes in what home care says about a dispatch, once per update id, in one transaction: the
 * update's id (the de-duplication gate), a handling-log step on the alarm, the dispatch's new
 * status, and, when a team said no or nobody accepted in time, an escalation of the alarm so an
 * operator dispatches again. Home care owns a dispatch's state: its word is applied, except that
 * a withdrawn dispatch stays withdrawn (the step is still logged: a nurse may be on the way)
 * and a status never moves backwards.
 */
@Injectable()
export class DispatchUpdatesService {
  private readonly logger = new Logger(DispatchUpdatesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatches: DispatchesRepository,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly escalation: EscalationService,
    private readonly relay: OutboxRelayService,
    private readonly clock: Clock,
  ) {}

  async apply(update: DispatchUpdateRecord): Promise<UpdateOutcome> {
    const outcome = await this.dataSource.transaction((manager) => this.store(manager, update));
    if (outcome !== 'duplicate') void this.relay.drain();
    this.logger.log(
      { alarmId: update.alarmId, dispatchId: update.dispatchId, type: update.type, updateId: update.updateId, outcome },
      'dispatch update taken in',
    );
    return outcome;
  }

  private async store(manager: EntityManager, update: DispatchUpdateRecord): Promise<UpdateOutcome> {
    const alarm = await this.lockAlarmOf(manager, update);
    const dispatch = (await this.dispatches.find(manager, update.dispatchId, true))!;
    const now = this.clock.now();
    if (!(await this.firstTime(manager, update, now))) return 'duplicate';
    const status = await this.nextStatus(manager, dispatch, update);
    await this.log.append(manager, {
      alarmId: alarm.id,
      step: STEP_OF[update.type],
      at: now,
      actorKind: 'home_care',
      actorId: update.actor.id,
      details: stepDetails(update, dispatch, status),
    });
    if (status === dispatch.status) return 'logged_only';
    await this.dispatches.update(manager, dispatch.id, statusChanges(update, dispatch, status, now));
    await this.alarms.touch(manager, alarm.id, now);
    if ((status === 'declined' || status === 'expired') && isActive(dispatch.status) && alarm.state !== 'resolved') {
      await this.escalation.escalate(manager, alarm, now, {
        cause: status === 'declined' ? 'dispatch_declined' : 'dispatch_expired',
        dispatchId: dispatch.id,
      });
    }
    return 'applied';
  }

  /**
   * The alarm's row first, then the dispatch's (the lock order of every dispatch change). An
   * update naming a dispatch the centre never made, or with another alarm or team than the
   * dispatch, can never be applied: it goes to the dead-letter topic.
   */
  private async lockAlarmOf(manager: EntityManager, update: DispatchUpdateRecord): Promise<Alarm> {
    const dispatch = await this.dispatches.find(manager, update.dispatchId);
    if (!dispatch)
      throw new PoisonRecordError(
        'unknown_dispatch',
        `no dispatch ${update.dispatchId} was made by this response centre`,
      );
    if (dispatch.alarmId !== update.alarmId || dispatch.homeCareTeamId !== update.homeCareTeamId) {
      throw new PoisonRecordError(
        'dispatch_mismatch',
        `dispatch ${dispatch.id} is for alarm ${dispatch.alarmId} and team ${dispatch.homeCareTeamId}, not ${update.alarmId} and ${update.homeCareTeamId}`,
      );
    }
    const alarm = await manager.findOne(Alarm, {
      where: { id: dispatch.alarmId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!alarm) throw new Error(`alarm ${dispatch.alarmId} of dispatch ${dispatch.id} not found`);
    return alarm;
  }

  /** False when this update was taken in before (a redelivery): then nothing changes. */
  private async firstTime(manager: EntityManager, update: DispatchUpdateRecord, now: Date): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO dispatch_updates (update_id, dispatch_id, type, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (update_id) DO NOTHING RETURNING update_id`,
      [update.updateId, update.dispatchId, update.type, now],
    );
    return inserted.length === 1;
  }

  /**
   * The status the update leads to. Withdrawn stays withdrawn. An unanswered dispatch (the
   * centre gave up waiting) comes back to life when home care reports a nurse on it, unless the
   * operator has dispatched again meanwhile; a late no only records what home care decided.
   */
  private async nextStatus(
    manager: EntityManager,
    dispatch: Dispatch,
    update: DispatchUpdateRecord,
  ): Promise<DispatchStatus> {
    const reported = STATUS_OF[update.type];
    const current = dispatch.status;
    if (current === 'withdrawn' || current === 'completed' || current === 'declined' || current === 'expired')
      return current;
    if (reported === 'declined' || reported === 'expired') return reported;
    if (current === 'unanswered')
      return (await this.dispatches.findActive(manager, dispatch.alarmId)) ? current : reported;
    return (PROGRESS[reported] ?? 0) > (PROGRESS[current] ?? 0) ? reported : current;
  }
}

function stepDetails(
  update: DispatchUpdateRecord,
  dispatch: Dispatch,
  status: DispatchStatus,
): Record<string, unknown> {
  return {
    dispatchId: dispatch.id,
    homeCareTeamId: dispatch.homeCareTeamId,
    updateId: update.updateId,
    actorName: update.actor.name,
    reportedAt: update.at,
    ...(update.reason !== undefined ? { reason: update.reason } : {}),
    ...(update.report !== undefined ? { report: update.report } : {}),
    dispatchStatus: status,
    ...(status === dispatch.status && status !== STATUS_OF[update.type]
      ? { notApplied: `the dispatch stays ${status}` }
      : {}),
  };
}

function statusChanges(
  update: DispatchUpdateRecord,
  dispatch: Dispatch,
  status: DispatchStatus,
  now: Date,
): Partial<Dispatch> {
  const firstAcceptance = status !== 'declined' && status !== 'expired' && dispatch.acceptedById === null;
  return {
    status,
    updatedAt: now,
    // A nurse on the way without an "accepted" we heard of (it was lost, or came after): they took it.
    ...(firstAcceptance
      ? { acceptedById: update.actor.id, acceptedByName: update.actor.name, acceptedAt: new Date(update.at) }
      : {}),
  };
}
