import type { ReportSubject } from './report-facts-query';
import { countsRecord, type ReportFigures, share, type Spread } from './report-figures';
import type { ReportPeriod } from './report-period';

/**
 * A report's figures computed by PostgreSQL over the read model, so a month of 100,000 alarms
 * is never shipped to Node and sorted there: three statements return one row of counts and
 * nearest-rank percentiles, the counts by trigger, priority, outcome and hour of the week, and
 * the follow-up list. They give exactly what reportFigures (report-figures.ts, the definition)
 * gives for the same facts: report-workers.int-spec.ts holds them to it.
 *
 * Moments are compared as whole epoch milliseconds, as a JavaScript Date holds them (the
 * definition's facts are Dates): 60.0004 s after opening is 60 s there, so it is here too.
 * `percentile_disc` takes the first value whose rank reaches ceil(fraction x count), which is
 * the definition's nearest rank.
 */

/** Anything that runs a parameterised statement and gives its rows: a `pg` pool or a TypeORM data source. */
export type RunQuery = <Row>(sql: string, parameters: unknown[]) => Promise<Row[]>;

const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)`;

/**
 * The subject's facts in [from, to), with each interval the report measures in whole milliseconds
 * and the local weekday and hour of opening: generated columns of the read model, computed when
 * the fold writes a row (migration 1764950000000), so a report does no time arithmetic per row.
 */
function measured(subject: ReportSubject): string {
  return `SELECT alarm_id, municipality_id, priority, trigger_type, outcome, opened_at, opened_weekday, opened_hour,
                 escalations, dispatches, dispatches_declined, dispatches_expired, dispatches_unanswered,
                 answer_ms, press_ms, on_site_ms, accept_ms
            FROM report_alarm_facts
           WHERE ${subjectCondition(subject)} AND opened_at >= $1 AND opened_at < $2`;
}

/** The subject as a condition on $3 (and $4), so the planner sees which index fits. */
function subjectCondition(subject: ReportSubject): string {
  if (subject.municipalityId && subject.responseCentreId) return 'municipality_id = $3 AND response_centre_id = $4';
  if (subject.municipalityId) return 'municipality_id = $3';
  if (subject.responseCentreId) return 'response_centre_id = $3';
  throw new Error('a report needs a subject');
}

function subjectParameters(subject: ReportSubject, period: ReportPeriod): unknown[] {
  return [period.from, period.to, ...[subject.municipalityId, subject.responseCentreId].filter(Boolean)];
}

// The ranks as float8: node-pg gives a bigint as a string.
const spreadOf = (column: string) =>
  `count(${column})::int AS ${column}_count,
   (percentile_disc(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY ${column}))::float8[] AS ${column}_ranks`;
const countWhere = (name: string, condition: string) => `count(*) FILTER (WHERE ${condition})::int AS ${name}`;

function totalsSql(subject: ReportSubject): string {
  return `SELECT count(*)::int AS alarms,
                 ${['answer_ms', 'press_ms', 'on_site_ms', 'accept_ms'].map(spreadOf).join(',\n                 ')},
                 ${countWhere('answer_within_60s', 'answer_ms <= 60000')},
                 ${countWhere('answer_within_180s', 'answer_ms <= 180000')},
                 ${countWhere('on_site_within_30min', 'on_site_ms <= 1800000')},
                 ${countWhere('on_site_within_45min', 'on_site_ms <= 2700000')},
                 ${countWhere('on_site_within_60min', 'on_site_ms <= 3600000')},
                 ${countWhere('alarms_dispatched', 'dispatches > 0')},
                 COALESCE(sum(dispatches), 0)::int AS dispatches,
                 COALESCE(sum(dispatches_declined), 0)::int AS declined,
                 COALESCE(sum(dispatches_expired), 0)::int AS expired,
                 COALESCE(sum(dispatches_unanswered), 0)::int AS unanswered,
                 count(outcome)::int AS resolved,
                 ${countWhere('false_alarms', `outcome IN ('false_alarm', 'cancelled_by_resident')`)},
                 ${countWhere('alarms_escalated', 'escalations > 0')},
                 COALESCE(sum(escalations), 0)::int AS escalations,
                 ${countWhere('battery_low', `trigger_type = 'battery.low'`)},
                 ${countWhere('power_lost', `trigger_type = 'power.lost'`)},
                 ${countWhere('device_silent', `trigger_type = 'device.silent'`)},
                 ${countWhere('fleet_silent', `trigger_type = 'system.fleet_silent'`)}
            FROM (${measured(subject)}) fact`;
}

/** Counts by trigger, by priority, by outcome and by local weekday and hour, in one pass. */
function groupsSql(subject: ReportSubject): string {
  return `SELECT GROUPING(trigger_type, priority, outcome, opened_weekday, opened_hour) AS grouping_set,
                 trigger_type, priority, outcome, opened_weekday AS weekday, opened_hour AS hour, count(*)::int AS alarms
            FROM (${measured(subject)}) fact
           GROUP BY GROUPING SETS ((trigger_type), (priority), (outcome), (opened_weekday, opened_hour))`;
}

function followUpSql(subject: ReportSubject): string {
  return `SELECT alarm_id, municipality_id, priority, ${epochMs('opened_at')}::float8 AS opened_ms, answer_ms::float8
            FROM (${measured(subject)}) fact
           WHERE answer_ms > 180000
           ORDER BY opened_ms, alarm_id`;
}

/**
 * The subject's device-hours heard from: each device supervised now (in the municipality, or of
 * the centre, as the registry places it now) counts the hours of the period from the hour it was
 * first watched until `now` ($N), and of those the hours it was heard in; and how many are
 * silent now (a silence alarm open, as the wallboard counts them); and the period's fleet-silence
 * incidents of no owner (the whole fleet's), which count in every report.
 */
function deviceHoursSql(subject: ReportSubject, nowParameter: number): string {
  const first = `GREATEST($1::timestamptz, date_trunc('hour', watch.watched_since, 'UTC'))`;
  const end = `LEAST($2::timestamptz, $${nowParameter}::timestamptz)`;
  return `SELECT COALESCE(sum(GREATEST(0, ceil(extract(epoch FROM ${end} - ${first}) / 3600))), 0)::int AS hours,
                 COALESCE(sum((SELECT count(*) FROM device_heard_hours heard
                                WHERE heard.device_id = watch.device_id AND heard.hour >= ${first} AND heard.hour < ${end})), 0)::int AS heard,
                 count(*) FILTER (WHERE watch.silent_alarm_id IS NOT NULL)::int AS silent_now,
                 (SELECT count(*) FROM report_alarm_facts
                   WHERE trigger_type = 'system.fleet_silent' AND municipality_id IS NULL AND response_centre_id IS NULL
                     AND opened_at >= $1 AND opened_at < $2)::int AS ownerless_fleet_silent
            FROM device_supervision watch JOIN registry_devices device ON device.device_id = watch.device_id
           WHERE ${subjectCondition(subject)}`;
}

interface TotalsRow {
  alarms: number;
  answer_ms_count: number;
  answer_ms_ranks: number[] | null;
  press_ms_count: number;
  press_ms_ranks: number[] | null;
  on_site_ms_count: number;
  on_site_ms_ranks: number[] | null;
  accept_ms_count: number;
  accept_ms_ranks: number[] | null;
  answer_within_60s: number;
  answer_within_180s: number;
  on_site_within_30min: number;
  on_site_within_45min: number;
  on_site_within_60min: number;
  alarms_dispatched: number;
  dispatches: number;
  declined: number;
  expired: number;
  unanswered: number;
  resolved: number;
  false_alarms: number;
  alarms_escalated: number;
  escalations: number;
  battery_low: number;
  power_lost: number;
  device_silent: number;
  fleet_silent: number;
}

/** GROUPING() bits, leftmost argument highest: 0 where the column is grouped on. */
const GROUPED_BY = { trigger: 0b01111, priority: 0b10111, outcome: 0b11011, weekdayHour: 0b11100 } as const;

interface GroupRow {
  grouping_set: number;
  trigger_type: string | null;
  priority: number | null;
  outcome: string | null;
  weekday: number | null;
  hour: number | null;
  alarms: number;
}

interface FollowUpRow {
  alarm_id: string;
  municipality_id: string | null;
  priority: number;
  opened_ms: number;
  answer_ms: number;
}

/** The report's three statements and their parameters (the benchmark explains them too). */
export function reportStatements(subject: ReportSubject, period: ReportPeriod, now: Date) {
  const parameters = subjectParameters(subject, period);
  return {
    totals: totalsSql(subject),
    groups: groupsSql(subject),
    followUp: followUpSql(subject),
    parameters,
    deviceHours: deviceHoursSql(subject, parameters.length + 1),
    deviceHoursParameters: [...parameters, now],
  };
}

/** The figures of the subject's alarms opened in the period, computed in the database; device-hours count up to `now`. */
export async function reportFiguresFromDatabase(
  query: RunQuery,
  subject: ReportSubject,
  period: ReportPeriod,
  now: Date,
): Promise<ReportFigures> {
  const statements = reportStatements(subject, period, now);
  const [[totals], groups, followUp, [deviceHours]] = await Promise.all([
    query<TotalsRow>(statements.totals, statements.parameters),
    query<GroupRow>(statements.groups, statements.parameters),
    query<FollowUpRow>(statements.followUp, statements.parameters),
    query<{ hours: number; heard: number; silent_now: number; ownerless_fleet_silent: number }>(
      statements.deviceHours,
      statements.deviceHoursParameters,
    ),
  ]);
  const spread = (count: number, ranks: number[] | null): Spread => ({
    count,
    medianSeconds: ranks ? ranks[0] / 1000 : null,
    p90Seconds: ranks ? ranks[1] / 1000 : null,
  });
  const answered = totals.answer_ms_count;
  const onSite = totals.on_site_ms_count;
  const inSet = (set: number) => groups.filter((row) => Number(row.grouping_set) === set);
  return {
    period: { label: period.label, from: period.from.toISOString(), to: period.to.toISOString() },
    alarms: totals.alarms,
    timeToAnswer: {
      ...spread(answered, totals.answer_ms_ranks),
      within60s: share(totals.answer_within_60s, answered),
      within180s: share(totals.answer_within_180s, answered),
      notAnswered: totals.alarms - answered,
      fromPress: spread(totals.press_ms_count, totals.press_ms_ranks),
    },
    followUp: followUp.map((row) => ({
      alarmId: row.alarm_id,
      openedAt: new Date(row.opened_ms).toISOString(),
      municipalityId: row.municipality_id,
      priority: row.priority,
      answerSeconds: row.answer_ms / 1000,
    })),
    timeToHelpOnSite: {
      ...spread(onSite, totals.on_site_ms_ranks),
      within30min: share(totals.on_site_within_30min, onSite),
      within45min: share(totals.on_site_within_45min, onSite),
      within60min: share(totals.on_site_within_60min, onSite),
    },
    dispatches: {
      alarmsDispatched: totals.alarms_dispatched,
      dispatches: totals.dispatches,
      timeToAccept: spread(totals.accept_ms_count, totals.accept_ms_ranks),
      declined: totals.declined,
      expired: totals.expired,
      unanswered: totals.unanswered,
    },
    volumes: {
      byTrigger: countsRecord(inSet(GROUPED_BY.trigger).map((row) => [row.trigger_type!, row.alarms])),
      byPriority: countsRecord(inSet(GROUPED_BY.priority).map((row) => [String(row.priority), row.alarms])),
      byOutcome: countsRecord(
        inSet(GROUPED_BY.outcome).flatMap((row) => (row.outcome === null ? [] : [[row.outcome, row.alarms]])),
      ),
      falseAlarms: share(totals.false_alarms, totals.resolved),
      byWeekdayHour: weekdayHourGrid(inSet(GROUPED_BY.weekdayHour)),
    },
    escalations: { alarmsEscalated: totals.alarms_escalated, escalations: totals.escalations },
    technical: {
      batteryLow: totals.battery_low,
      powerLost: totals.power_lost,
      deviceSilent: totals.device_silent,
      fleetSilent: totals.fleet_silent + deviceHours.ownerless_fleet_silent,
      deviceHoursHeard: share(deviceHours.heard, deviceHours.hours),
      devicesSilentNow: deviceHours.silent_now,
    },
  };
}

function weekdayHourGrid(rows: GroupRow[]): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const row of rows) grid[row.weekday!][row.hour!] += row.alarms;
  return grid;
}
