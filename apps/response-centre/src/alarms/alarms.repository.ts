import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, In, IsNull } from 'typeorm';
import { CentreScope, centreCondition } from '../access/centre-scope';
import { Alarm } from './alarm.entity';
import type { AlarmOutcome, AlarmState } from './alarm-state';

/**
 * Every query on alarms. Conditional updates make each state change race-free. Queries made
 * for a person take their CentreScope: an alarm of another centre is simply not found.
 */
@Injectable()
export class AlarmsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Opens the alarm, unless an unresolved one with its correlation key exists: then that one,
   * locked, is returned instead (opened: false). The partial unique index decides, also between
   * concurrent transactions: the loser's insert waits for the winner and then does nothing.
   */
  async openUnlessCorrelated(manager: EntityManager, alarm: Alarm): Promise<{ alarm: Alarm; opened: boolean }> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(Alarm)
      .values(alarm)
      .orIgnore()
      .returning('id')
      .execute();
    if ((result.raw as unknown[]).length === 1) return { alarm, opened: true };
    const existing = await this.findUnresolvedByKey(manager, alarm.correlationKey);
    if (!existing)
      throw new Error(
        `alarm ${alarm.deviceId}/${alarm.triggerEventId} neither opened nor correlated (key ${alarm.correlationKey})`,
      );
    return { alarm: existing, opened: false };
  }

  /** The unresolved alarm with this correlation key, its row held to the end of the transaction. */
  async findUnresolvedByKey(manager: EntityManager, correlationKey: string): Promise<Alarm | null> {
    return manager.findOne(Alarm, {
      where: { correlationKey, state: In(['open', 'acknowledged']) },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Which of these correlation keys have an unresolved alarm (one query for a batch; nothing locked). */
  async unresolvedKeys(manager: EntityManager, correlationKeys: string[]): Promise<string[]> {
    if (correlationKeys.length === 0) return [];
    const rows: { correlation_key: string }[] = await manager.query(
      `SELECT correlation_key FROM alarms WHERE correlation_key = ANY($1::varchar[]) AND state IN ('open', 'acknowledged')`,
      [correlationKeys],
    );
    return rows.map((row) => row.correlation_key);
  }

  /**
   * Attaches a repeat to the unresolved alarm with this correlation key, if there is one: one
   * statement that finds, locks and bumps it. Its id and new repeat count, or null when none.
   */
  async attachRepeatByKey(
    manager: EntityManager,
    correlationKey: string,
    triggeredAt: Date,
    at: Date,
  ): Promise<{ id: string; repeatCount: number } | null> {
    const [rows]: [{ id: string; repeat_count: number }[], number] = await manager.query(
      `UPDATE alarms SET repeat_count = repeat_count + 1,
              last_triggered_at = GREATEST(last_triggered_at, $2::timestamptz), updated_at = $3
        WHERE correlation_key = $1 AND state IN ('open', 'acknowledged')
       RETURNING id, repeat_count`,
      [correlationKey, triggeredAt, at],
    );
    return rows[0] ? { id: rows[0].id, repeatCount: rows[0].repeat_count } : null;
  }

  async markCancelledAtDevice(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(Alarm)
      .set({ cancelledAtDeviceAt: at, updatedAt: at })
      .where('id = :id AND cancelled_at_device_at IS NULL', { id })
      .execute();
  }

  /** The device reports the cause gone (power restored): resolved by the device, whatever its state. */
  async clearByDevice(manager: EntityManager, id: string, deviceId: string, at: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Alarm)
      .set({
        state: 'resolved',
        resolvedBy: `device:${deviceId}`,
        resolvedAt: at,
        outcome: 'cleared_by_device',
        escalateAt: null,
        updatedAt: at,
      })
      .where("id = :id AND state <> 'resolved'", { id })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Open alarms whose escalation is due, locked; rows another instance holds are skipped (each escalates once). */
  async lockDueForEscalation(manager: EntityManager, now: Date, limit: number): Promise<Alarm[]> {
    return manager
      .createQueryBuilder(Alarm, 'alarm')
      .where("alarm.state = 'open' AND alarm.escalate_at <= :now", { now })
      .orderBy('alarm.escalate_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async escalate(manager: EntityManager, id: string, level: number, nextAt: Date | null, at: Date): Promise<void> {
    await manager.update(Alarm, { id }, { escalationLevel: level, escalateAt: nextAt, updatedAt: at });
  }

  /** A dispatch of the alarm changed: a newer summary replaces an older one by this time. */
  async touch(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.update(Alarm, { id }, { updatedAt: at });
  }

  async findByTrigger(manager: EntityManager, deviceId: string, triggerEventId: string): Promise<Alarm | null> {
    return manager.findOneBy(Alarm, { deviceId, triggerEventId });
  }

  /** The alarm if it is in the caller's scope; `lock` holds its row to the end of the transaction. */
  async findInScope(
    scope: CentreScope,
    id: string,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<Alarm | null> {
    return manager.findOne(Alarm, {
      where: inScope(scope, { id }),
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /** The unresolved queue of the caller's centre: most urgent first, escalated before others, then oldest first. */
  async findUnresolved(
    scope: CentreScope,
    limit: number,
    states: AlarmState[] = ['open', 'acknowledged'],
  ): Promise<Alarm[]> {
    return this.dataSource.manager.find(Alarm, {
      where: inScope(scope, { state: In(states) }),
      order: { priority: 'ASC', escalationLevel: 'DESC', openedAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /** Takes the alarm for the operator if nobody has; false when it was not open any more. */
  async acknowledgeIfOpen(
    manager: EntityManager,
    scope: CentreScope,
    id: string,
    operatorId: string,
    at: Date,
  ): Promise<boolean> {
    return this.transition(manager, scope, id, 'open', {
      state: 'acknowledged',
      acknowledgedBy: operatorId,
      acknowledgedAt: at,
      escalateAt: null,
      updatedAt: at,
    });
  }

  async resolveIfAcknowledged(
    manager: EntityManager,
    scope: CentreScope,
    id: string,
    operatorId: string,
    outcome: AlarmOutcome,
    at: Date,
  ): Promise<boolean> {
    return this.transition(manager, scope, id, 'acknowledged', {
      state: 'resolved',
      resolvedBy: operatorId,
      resolvedAt: at,
      outcome,
      escalateAt: null,
      updatedAt: at,
    });
  }

  /** UPDATE ... WHERE state = from: of two concurrent callers exactly one changes the row. */
  private async transition(
    manager: EntityManager,
    scope: CentreScope,
    id: string,
    from: AlarmState,
    changes: Partial<Alarm>,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Alarm)
      .set(changes)
      .where('id = :id AND state = :from', { id, from })
      .andWhere(...centreCondition(scope, 'response_centre_id'))
      .execute();
    return (result.affected ?? 0) === 1;
  }
}

/** The where-clause of a scoped query: the centre's own alarms, or unplaced ones. */
function inScope(scope: CentreScope, where: FindOptionsWhere<Alarm>): FindOptionsWhere<Alarm>[] {
  return [
    { ...where, responseCentreId: scope.responseCentreId },
    { ...where, responseCentreId: IsNull() },
  ];
}
