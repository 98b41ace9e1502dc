import { COMMIT_HORIZON_SQL } from '@welfare/persistence';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CentreScope } from '../access/centre-scope';
import type { ActorKind, HandlingStep } from '../handling-log/handling-log-entry.entity';
import type { FeedCursor } from './feed-cursor';

/** One handling-log step as the feed delivers it, with its position. */
export interface FeedStep {
  cursor: FeedCursor;
  alarmId: string;
  step: HandlingStep;
  at: Date;
  actorKind: ActorKind;
  actorId: string;
  details: Record<string, unknown>;
}

/** One read of the feed. */
export interface FeedPage {
  steps: FeedStep[];
  /**
   * Everything before this position has been read (the snapshot's xmin): a reader whose page
   * was not full may move its cursor here, past other centres' steps it will never send, so
   * the next read does not scan them again.
   */
  horizon: FeedCursor;
  /**
   * Steps after the cursor have committed but wait behind an older transaction that is still
   * running. That transaction may write no step of its own (so no notification comes when it
   * ends): the reader must look again soon by itself.
   */
  heldBack: boolean;
}

interface FeedRow {
  horizon: string;
  held_back: boolean;
  id: string | null;
  tx: string | null;
  alarm_id: string;
  step: HandlingStep;
  at: Date;
  actor_kind: ActorKind;
  actor_id: string;
  details: Record<string, unknown>;
}

/**
 * Reads the handling log in an order no later commit can insert itself into.
 *
 * Each row carries its transaction's id (tx). A reader delivers rows in (tx, id) order, and
 * only those whose transaction is older than its own snapshot's xmin (the oldest transaction
 * still running when the statement began). Every transaction below xmin has ended, so every
 * such row that will ever exist is visible now; and any transaction that commits later is
 * running or not yet begun, so its tx is at least that xmin. Hence nothing is ever committed
 * behind a delivered cursor. (An id-only cursor skips a row whose transaction took the lower
 * id and committed after a higher one had been read.) The cost: a step is held back while an
 * older writing transaction is still open, i.e. for as long as the longest write in flight.
 */
@Injectable()
export class HandlingLogFeed {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The cursor of "now": every step committed before this call lies behind it. A step of a
   * transaction that was running may lie ahead of it though already committed by the time the
   * client reads its queue: it is delivered again, never lost (the client applies steps
   * idempotently, by the alarm summary's updatedAt).
   */
  async now(): Promise<FeedCursor> {
    const [{ xmin }]: { xmin: string }[] = await this.dataSource.query(`SELECT ${COMMIT_HORIZON_SQL}::text AS xmin`);
    return { tx: xmin, id: '0' };
  }

  /** Up to `limit` steps after the cursor, of alarms the scope may see, in feed order. */
  async after(scope: CentreScope, cursor: FeedCursor, limit: number): Promise<FeedPage> {
    // One statement, so the steps, the horizon and the held-back check share one snapshot
    // (tx comes back as text: node-pg has no parser for xid8).
    const rows: FeedRow[] = await this.dataSource.query(
      `WITH horizon AS (SELECT ${COMMIT_HORIZON_SQL} AS xmin)
       SELECT horizon.xmin::text AS horizon,
              EXISTS (SELECT 1 FROM alarm_handling_log later WHERE later.tx >= horizon.xmin AND (later.tx, later.id) > ($1::xid8, $2::bigint)) AS held_back,
              page.*
       FROM horizon LEFT JOIN LATERAL (
         SELECT log.id, log.tx, log.alarm_id, log.step, log.at, log.actor_kind, log.actor_id, log.details
         FROM alarm_handling_log log JOIN alarms alarm ON alarm.id = log.alarm_id
         WHERE (log.tx, log.id) > ($1::xid8, $2::bigint)
           AND log.tx < horizon.xmin
           AND (alarm.response_centre_id = $3 OR alarm.response_centre_id IS NULL)
         ORDER BY log.tx, log.id
         LIMIT $4
       ) page ON true
       ORDER BY page.tx, page.id`,
      [cursor.tx, cursor.id, scope.responseCentreId, limit],
    );
    return {
      steps: rows.filter((row) => row.id !== null).map(toStep),
      horizon: { tx: rows[0].horizon, id: '0' },
      heldBack: rows[0].held_back,
    };
  }
}

function toStep(row: FeedRow): FeedStep {
  return {
    cursor: { tx: row.tx!, id: String(row.id) },
    alarmId: row.alarm_id,
    step: row.step,
    at: row.at,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    details: row.details,
  };
}
