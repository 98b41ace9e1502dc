/**
 * A municipality's month of alarms, written straight into the response centre's tables as the
 * handling log would hold them after the month: what a month report has to read. Shared by
 * `npm run bench:reports` (a database of its own) and `npm run bench -- --with-month-reports`
 * (the running response centre's database, whose projection then folds it as it would any log).
 */

/** The month the seeded alarms fall in (a past month, so no live alarm of a run falls in it). */
export const SEEDED_PERIOD = '2026-03';

/** Runs one statement in the caller's transaction. */
export type RunSql = (sql: string, parameters?: unknown[]) => Promise<unknown>;

export interface MonthOfAlarms {
  municipalityId: string;
  /** The centre that handled them (a supervisor's report counts only its own centre's alarms). */
  responseCentreId: string;
  alarms: number;
}

/**
 * Alarms spread over March 2026, answered after 5-300 s (most fast); a tenth dispatched and
 * visited; 2 % escalated. Must run inside a transaction: the seed's temporary table is dropped
 * at commit. The same seed (setseed) every time, so runs read the same month.
 */
export async function seedMonthOfAlarms(run: RunSql, month: MonthOfAlarms): Promise<void> {
  await run(`SELECT setseed(0.13)`);
  await run(
    `CREATE TEMP TABLE seed ON COMMIT DROP AS
     SELECT gen_random_uuid() AS id, n,
            timestamptz '2026-03-01 00:00+01' + (random() * interval '30 days 22 hours') AS opened,
            make_interval(secs => 5 + floor(power(random(), 8) * 296)) AS answer,
            random() < 0.1 AS dispatched, random() < 0.02 AS escalated,
            make_interval(mins => (15 + floor(random() * 56))::int) AS arrive
       FROM generate_series(1, $1) AS n`,
    [month.alarms],
  );
  await run(
    `INSERT INTO alarms (id, device_id, trigger_event_id, trigger_type, priority, state, triggered_at, opened_at,
                         acknowledged_by, acknowledged_at, resolved_by, resolved_at, outcome, updated_at, municipality_id,
                         response_centre_id, kind, correlation_key, last_triggered_at)
     SELECT id, 'bench-' || (n % 5000), 'press-' || n, CASE WHEN n % 10 = 0 THEN 'fall.detected' ELSE 'alarm.button' END, 1,
            'resolved', opened - interval '2 seconds', opened, 'op', opened + answer, 'op', opened + answer + interval '3 minutes',
            CASE WHEN n % 4 = 0 THEN 'false_alarm' ELSE 'handled_by_phone' END, opened, $1, $2, 'care', 'bench:' || n, opened
       FROM seed`,
    [month.municipalityId, month.responseCentreId],
  );
  const step = (name: string, at: string, where = 'true', details = `'{}'::jsonb`) =>
    run(
      `INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id, details)
       SELECT id, '${name}', ${at}, 'operator', 'op', ${details} FROM seed WHERE ${where} ORDER BY opened`,
    );
  await step('received', 'opened');
  await step('escalated', `opened + interval '60 seconds'`, 'escalated');
  await step('acknowledged', 'opened + answer');
  await step('dispatched', `opened + answer + interval '60 seconds'`, 'dispatched');
  await step('dispatch_accepted', `opened + answer + interval '120 seconds'`, 'dispatched');
  await step('dispatch_arrived', 'opened + arrive', 'dispatched');
  await step(
    'resolved',
    `opened + answer + interval '3 minutes'`,
    'true',
    `jsonb_build_object('outcome', CASE WHEN n % 4 = 0 THEN 'false_alarm' ELSE 'handled_by_phone' END)`,
  );
}
