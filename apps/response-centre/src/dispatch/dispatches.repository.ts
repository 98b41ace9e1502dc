import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { ACTIVE_DISPATCH_STATUSES, Dispatch } from './dispatch.entity';

/**
 * Every query on dispatches. Callers that change a dispatch hold its alarm's row first (alarm,
 * then dispatch: one lock order everywhere), so a dispatch, a withdrawal, an update from home
 * care and a resolution of the same alarm never interleave.
 */
@Injectable()
export class DispatchesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, dispatch: Dispatch): Promise<void> {
    await manager.insert(Dispatch, dispatch);
  }

  async findActive(manager: EntityManager, alarmId: string): Promise<Dispatch | null> {
    return manager.findOne(Dispatch, { where: { alarmId, status: In([...ACTIVE_DISPATCH_STATUSES]) } });
  }

  /** The dispatch, optionally of one alarm only; `lock` holds its row to the end of the transaction. */
  async find(manager: EntityManager, id: string, lock = false, alarmId?: string): Promise<Dispatch | null> {
    return manager.findOne(Dispatch, {
      where: alarmId ? { id, alarmId } : { id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  async update(manager: EntityManager, id: string, changes: Partial<Dispatch>): Promise<void> {
    await manager.update(Dispatch, { id }, changes);
  }

  /** Every dispatch of the alarm, oldest first. */
  async forAlarm(alarmId: string): Promise<Dispatch[]> {
    return this.dataSource.manager.find(Dispatch, { where: { alarmId }, order: { requestedAt: 'ASC', id: 'ASC' } });
  }

  /** The newest dispatch of each alarm (what the queue shows), by alarm id. */
  async latestFor(alarmIds: string[]): Promise<Map<string, Dispatch>> {
    if (alarmIds.length === 0) return new Map();
    const newest: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (alarm_id) id FROM dispatches WHERE alarm_id = ANY($1::uuid[]) ORDER BY alarm_id, requested_at DESC, id DESC`,
      [alarmIds],
    );
    if (newest.length === 0) return new Map();
    const rows = await this.dataSource.manager.find(Dispatch, { where: { id: In(newest.map((row) => row.id)) } });
    return new Map(rows.map((row) => [row.alarmId, row]));
  }

  /**
   * Dispatches still `requested` past acceptBy and the grace period, with their alarms' rows,
   * locked; rows another transaction holds are skipped (it is changing them now, or another
   * instance's sweep has them), so nothing waits and nothing is marked twice.
   */
  async lockUnanswered(manager: EntityManager, dueBefore: Date, limit: number): Promise<Dispatch[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT d.id FROM dispatches d JOIN alarms a ON a.id = d.alarm_id
       WHERE d.status = 'requested' AND d.accept_by <= $1
       ORDER BY d.accept_by
       LIMIT $2
       FOR UPDATE OF a, d SKIP LOCKED`,
      [dueBefore, limit],
    );
    if (rows.length === 0) return [];
    return manager.find(Dispatch, { where: { id: In(rows.map((row) => row.id)) }, order: { acceptBy: 'ASC' } });
  }
}
