import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { COMMIT_HORIZON_SQL } from '@welfare/persistence';
import { DataSource, EntityManager } from 'typeorm';
import type { HandlingStep } from '../handling-log/handling-log-entry.entity';
import type { AlarmFacts, LoggedStep } from './alarm-facts';
import { FACTS_SQL, factsParameters, type FactMsRow, fromFactMsRow, type ReportSubject } from './report-facts-query';

export type { ReportSubject } from './report-facts-query';

export interface ProjectionPosition {
  tx: string;
  logId: string;
}

interface StepRow {
  id: string;
  tx: string;
  alarm_id: string;
  step: HandlingStep;
  at: Date;
  details: Record<string, unknown>;
  municipality_id: string | null;
  response_centre_id: string | null;
  trigger_type: string;
  priority: number;
  kind: string;
  triggered_at: Date;
  opened_at: Date;
}

/** The folded facts' columns and types; the intervals stored after them are generated from the moments. */
const FACT_COLUMNS = {
  alarm_id: 'uuid',
  municipality_id: 'uuid',
  response_centre_id: 'uuid',
  trigger_type: 'varchar',
  priority: 'smallint',
  kind: 'varchar',
  triggered_at: 'timestamptz',
  opened_at: 'timestamptz',
  acknowledged_at: 'timestamptz',
  first_dispatched_at: 'timestamptz',
  first_accepted_at: 'timestamptz',
  first_arrived_at: 'timestamptz',
  resolved_at: 'timestamptz',
  outcome: 'varchar',
  escalations: 'integer',
  dispatches: 'integer',
  dispatches_declined: 'integer',
  dispatches_expired: 'integer',
  dispatches_unanswered: 'integer',
} satisfies Record<keyof FactMsRow, string>;
const FACT_COLUMN_NAMES = Object.keys(FACT_COLUMNS).join(', ');
/**
 * Moments travel as epoch milliseconds, not ISO text: a device's clock can put an alarm past the
 * year 9999 in UTC (`9999-12-31T23:59:59-23:59` is valid RFC 3339), which toISOString writes as
 * `+010000-...`, text PostgreSQL refuses, and the fold would stop at that alarm for good.
 */
const FACT_RECORD = Object.entries(FACT_COLUMNS)
  .map(([column, type]) => `${column} ${type === 'timestamptz' ? 'bigint' : type}`)
  .join(', ');
const FACT_SELECT = Object.entries(FACT_COLUMNS)
  .map(([column, type]) => (type === 'timestamptz' ? `to_timestamp(${column} / 1000.0)` : column))
  .join(', ');

/**
 * Up to $3 steps after the position ($1 tx, $2 log id) with their alarm's attributes, below the
 * commit horizon. The steps are taken first, in (tx, id) order and limited, so the read walks the
 * feed's index from the position and stops. `tx >= $1` repeats what the row comparison says, for
 * the planner's estimate: without it, it read the whole log (a sequential scan of 344,000 steps,
 * 250 ms in the benchmark) to find none.
 */
export const STEPS_AFTER_SQL = `SELECT log.id::text AS id, log.tx::text AS tx, log.alarm_id, log.step, log.at, log.details,
              alarm.municipality_id, alarm.response_centre_id, alarm.trigger_type, alarm.priority, alarm.kind,
              alarm.triggered_at, alarm.opened_at
         FROM (SELECT id, tx, alarm_id, step, at, details FROM alarm_handling_log
                WHERE (tx, id) > ($1::xid8, $2::bigint) AND tx >= $1::xid8 AND tx < ${COMMIT_HORIZON_SQL}
                ORDER BY tx, id
                LIMIT $3) log
         JOIN alarms alarm ON alarm.id = log.alarm_id
        ORDER BY log.tx, log.id`;

/** The reporting read model: the projection's position in the log, and one row of facts per alarm. */
@Injectable()
export class ReportFactsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Locks the position row: one projection at a time, across instances. */
  async lockPosition(manager: EntityManager): Promise<ProjectionPosition> {
    const [row]: { tx: string; log_id: string }[] = await manager.query(
      `SELECT tx::text AS tx, log_id::text AS log_id FROM report_projection_position WHERE id = 1 FOR UPDATE`,
    );
    return { tx: row.tx, logId: row.log_id };
  }

  async movePosition(manager: EntityManager, position: ProjectionPosition): Promise<void> {
    await manager.query(`UPDATE report_projection_position SET tx = $1::xid8, log_id = $2 WHERE id = 1`, [
      position.tx,
      position.logId,
    ]);
  }

  /**
   * Up to `limit` steps after the position, only those below the commit horizon (as the live feed
   * reads them: live/handling-log-feed.ts), so no step committed later can sort behind the position.
   */
  async stepsAfter(
    manager: EntityManager,
    position: ProjectionPosition,
    limit: number,
  ): Promise<{ steps: LoggedStep[]; last: ProjectionPosition | null }> {
    const rows: StepRow[] = await manager.query(STEPS_AFTER_SQL, [position.tx, position.logId, limit]);
    const lastRow = rows.at(-1);
    return { steps: rows.map(toLoggedStep), last: lastRow ? { tx: lastRow.tx, logId: lastRow.id } : null };
  }

  /** Adds folded facts: a stored moment is kept (it came first), counts add up. */
  async merge(manager: EntityManager, facts: AlarmFacts[]): Promise<void> {
    if (facts.length === 0) return;
    const first = (column: string) => `${column} = COALESCE(report_alarm_facts.${column}, EXCLUDED.${column})`;
    const add = (column: string) => `${column} = report_alarm_facts.${column} + EXCLUDED.${column}`;
    await manager.query(
      `INSERT INTO report_alarm_facts (${FACT_COLUMN_NAMES})
       SELECT ${FACT_SELECT} FROM jsonb_to_recordset($1::jsonb) AS fact(${FACT_RECORD})
       ON CONFLICT (alarm_id) DO UPDATE SET
         ${['acknowledged_at', 'first_dispatched_at', 'first_accepted_at', 'first_arrived_at', 'resolved_at', 'outcome'].map(first).join(', ')},
         ${['escalations', 'dispatches', 'dispatches_declined', 'dispatches_expired', 'dispatches_unanswered'].map(add).join(', ')}`,
      [JSON.stringify(facts.map(toFactRow))],
    );
  }

  /** The facts of the subject's alarms opened in [from, to) (the report worker runs the same query: report-facts-query.ts). */
  async factsFor(subject: ReportSubject, from: Date, to: Date): Promise<AlarmFacts[]> {
    const rows: FactMsRow[] = await this.dataSource.query(FACTS_SQL, factsParameters(subject, from, to));
    return rows.map(fromFactMsRow);
  }
}

function toLoggedStep(row: StepRow): LoggedStep {
  return {
    alarmId: row.alarm_id,
    step: row.step,
    at: row.at,
    details: row.details,
    alarm: {
      municipalityId: row.municipality_id,
      responseCentreId: row.response_centre_id,
      triggerType: row.trigger_type,
      priority: Number(row.priority),
      kind: row.kind,
      triggeredAt: row.triggered_at,
      openedAt: row.opened_at,
    },
  };
}

function toFactRow(facts: AlarmFacts): FactMsRow {
  return {
    alarm_id: facts.alarmId,
    municipality_id: facts.municipalityId,
    response_centre_id: facts.responseCentreId,
    trigger_type: facts.triggerType,
    priority: facts.priority,
    kind: facts.kind,
    triggered_at: facts.triggeredAt.getTime(),
    opened_at: facts.openedAt.getTime(),
    acknowledged_at: epochMs(facts.acknowledgedAt),
    first_dispatched_at: epochMs(facts.firstDispatchedAt),
    first_accepted_at: epochMs(facts.firstAcceptedAt),
    first_arrived_at: epochMs(facts.firstArrivedAt),
    resolved_at: epochMs(facts.resolvedAt),
    outcome: facts.outcome,
    escalations: facts.escalations,
    dispatches: facts.dispatches,
    dispatches_declined: facts.dispatchesDeclined,
    dispatches_expired: facts.dispatchesExpired,
    dispatches_unanswered: facts.dispatchesUnanswered,
  };
}

const epochMs = (moment: Date | null): number | null => (moment === null ? null : moment.getTime());
