import type { AlarmFacts } from './alarm-facts';

/**
 * The report's read of the facts, with no Nest or TypeORM in it: the repository runs it through
 * TypeORM, and the report worker (report-worker.ts) through its own `pg` connection.
 */

/** Whose alarms a report covers: a municipality's, a centre's, or those a centre handled for a municipality. */
export interface ReportSubject {
  municipalityId?: string;
  responseCentreId?: string;
}

const MOMENT_COLUMNS = [
  'triggered_at',
  'opened_at',
  'acknowledged_at',
  'first_dispatched_at',
  'first_accepted_at',
  'first_arrived_at',
  'resolved_at',
] as const;

// Moments come as epoch milliseconds (float8): node-pg parses a number far faster than a
// timestamptz, and a month may hold 100,000 alarms with seven moments each.
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${column}`;

/** The facts of the subject's alarms opened in [$3, $4); $1 municipality, $2 centre (either may be null). */
export const FACTS_SQL = `SELECT alarm_id, municipality_id, response_centre_id, trigger_type, priority, kind, outcome, escalations,
              dispatches, dispatches_declined, dispatches_expired, dispatches_unanswered,
              ${MOMENT_COLUMNS.map(ms).join(', ')}
         FROM report_alarm_facts
        WHERE ($1::uuid IS NULL OR municipality_id = $1) AND ($2::uuid IS NULL OR response_centre_id = $2)
          AND opened_at >= $3 AND opened_at < $4`;

export function factsParameters(subject: ReportSubject, from: Date, to: Date): unknown[] {
  if (!subject.municipalityId && !subject.responseCentreId) throw new Error('a report needs a subject');
  return [subject.municipalityId ?? null, subject.responseCentreId ?? null, from, to];
}

/** A fact's row as the fold writes it and the report reads it: moments as epoch milliseconds. */
export interface FactMsRow {
  alarm_id: string;
  municipality_id: string | null;
  response_centre_id: string | null;
  trigger_type: string;
  priority: number;
  kind: string;
  outcome: string | null;
  escalations: number;
  dispatches: number;
  dispatches_declined: number;
  dispatches_expired: number;
  dispatches_unanswered: number;
  triggered_at: number;
  opened_at: number;
  acknowledged_at: number | null;
  first_dispatched_at: number | null;
  first_accepted_at: number | null;
  first_arrived_at: number | null;
  resolved_at: number | null;
}

export function fromFactMsRow(row: FactMsRow): AlarmFacts {
  const at = (value: number | null) => (value === null ? null : new Date(value));
  return {
    alarmId: row.alarm_id,
    municipalityId: row.municipality_id,
    responseCentreId: row.response_centre_id,
    triggerType: row.trigger_type,
    priority: Number(row.priority),
    kind: row.kind,
    triggeredAt: new Date(row.triggered_at),
    openedAt: new Date(row.opened_at),
    acknowledgedAt: at(row.acknowledged_at),
    firstDispatchedAt: at(row.first_dispatched_at),
    firstAcceptedAt: at(row.first_accepted_at),
    firstArrivedAt: at(row.first_arrived_at),
    resolvedAt: at(row.resolved_at),
    outcome: row.outcome,
    escalations: row.escalations,
    dispatches: row.dispatches,
    dispatchesDeclined: row.dispatches_declined,
    dispatchesExpired: row.dispatches_expired,
    dispatchesUnanswered: row.dispatches_unanswered,
  };
}
