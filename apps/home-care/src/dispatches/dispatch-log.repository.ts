import { COMMIT_HORIZON_SQL } from '@welfare/persistence';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm';
import type { StreamCursor } from '../stream/stream-cursor';
import { DispatchActorKind, DispatchLogEntry, DispatchLogStep } from './dispatch-log-entry.entity';

/** The channel a committed dispatch-log row is announced on (payload: the team id). */
export const DISPATCH_LOG_CHANNEL = 'home_care_dispatch_log';

export interface DispatchLogRecord {
  dispatchId: string;
  homeCareTeamId: string;
  step: DispatchLogStep;
  at: Date;
  actorKind: DispatchActorKind;
  actorId: string;
  actorName: string | null;
  details?: Record<string, unknown>;
}

/** A log row as the stream reads it, with its position. */
export interface StreamedLogEntry {
  cursor: StreamCursor;
  entry: DispatchLogEntry;
}

interface StreamRow {
  tx: string;
  id: string;
  dispatch_id: string;
  home_care_team_id: string;
  step: DispatchLogStep;
  at: Date;
  actor_kind: DispatchActorKind;
  actor_id: string;
  actor_name: string | null;
  details: Record<string, unknown>;
}

/**
 * Appends to and reads the dispatch log; there is deliberately no update or delete (the
 * database refuses them too).
 *
 * The live stream reads a team's rows after a cursor. Row ids (bigserial) are handed out in one
 * order and committed in another: a transaction that took id 10 may commit after the one that
 * took id 11, so a reader that had moved past 11 would never see 10. Instead every row carries
 * its transaction's id (`tx`, xid8), rows are read in (tx, id) order, and a read returns only
 * rows whose tx is below the xmin of the reading statement's own snapshot: every transaction
 * below xmin has ended, so each of those rows is either visible to that statement or never
 * existed (rolled back). Any row committed later belongs to a transaction at or above that
 * xmin, so it sorts after every row already returned: a cursor never passes a row that can
 * still appear. The price: a row waits until every older transaction on the server has ended,
 * including transactions in other databases of the same cluster (xids are cluster-wide).
 */
@Injectable()
export class DispatchLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** In the caller's transaction; the NOTIFY is delivered when (and only if) that transaction commits. */
  async append(manager: EntityManager, record: DispatchLogRecord): Promise<void> {
    // TypeORM's deep-partial type cannot express an open JSON object; the shape is checked above.
    const entry = { ...record, details: record.details ?? {} } as QueryDeepPartialEntity<DispatchLogEntry>;
    await manager.insert(DispatchLogEntry, entry);
    await manager.query('SELECT pg_notify($1, $2)', [DISPATCH_LOG_CHANNEL, record.homeCareTeamId]);
  }

  forDispatch(dispatchId: string, manager: EntityManager = this.dataSource.manager): Promise<DispatchLogEntry[]> {
    return manager.find(DispatchLogEntry, { where: { dispatchId }, order: { id: 'ASC' } });
  }

  /**
   * The team's rows after `cursor` that are safe to deliver (see above), oldest first, and
   * whether rows exist that are not safe yet (an older transaction is still running): then the
   * caller should look again shortly.
   */
  async after(
    homeCareTeamId: string,
    cursor: StreamCursor,
    limit: number,
  ): Promise<{ entries: StreamedLogEntry[]; pending: boolean }> {
    const rows: StreamRow[] = await this.dataSource.query(
      `SELECT l.tx::text AS tx, l.id::text AS id, l.dispatch_id, l.home_care_team_id, l.step, l.at, l.actor_kind, l.actor_id, l.actor_name, l.details
         FROM dispatch_log l
        WHERE l.home_care_team_id = $1
          AND (l.tx, l.id) > ($2::xid8, $3::bigint)
          AND l.tx < ${COMMIT_HORIZON_SQL}
        ORDER BY l.tx, l.id
        LIMIT $4`,
      [homeCareTeamId, cursor.tx, cursor.id, limit],
    );
    const entries = rows.map((row) => ({ cursor: { tx: row.tx, id: row.id }, entry: toEntry(row) }));
    if (entries.length === limit) return { entries, pending: true };
    const [{ pending }]: { pending: boolean }[] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM dispatch_log WHERE home_care_team_id = $1 AND tx >= ${COMMIT_HORIZON_SQL}) AS pending`,
      [homeCareTeamId],
    );
    return { entries, pending };
  }

  /**
   * A cursor for "from now on": every row of a transaction older than every running one is
   * behind it. A list read after this (in a later snapshot) shows all of those rows' effects;
   * every row written later comes after it.
   */
  async horizon(): Promise<StreamCursor> {
    const [{ xmin }]: { xmin: string }[] = await this.dataSource.query(`SELECT ${COMMIT_HORIZON_SQL}::text AS xmin`);
    return { tx: xmin, id: '0' };
  }
}

function toEntry(row: StreamRow): DispatchLogEntry {
  return Object.assign(new DispatchLogEntry(), {
    id: row.id,
    dispatchId: row.dispatch_id,
    homeCareTeamId: row.home_care_team_id,
    step: row.step,
    at: new Date(row.at),
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    actorName: row.actor_name,
    details: row.details,
  });
}
