import { DateTime } from 'luxon';

/** Days, weeks and months begin at local midnight in Norway, whatever daylight saving does. */
export const REPORT_ZONE = 'Europe/Oslo';

/** A reporting period: alarms opened at or after `from` and before `to`. */
export interface ReportPeriod {
  /** As asked for: `2026-03`, `2026-W13`, or `2026-03-01..2026-03-31` (both days included). */
  label: string;
  from: Date;
  to: Date;
}

const MONTH = /^(\d{4})-(\d{2})$/;
const WEEK = /^(\d{4})-W(\d{2})$/;
const RANGE = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/;
/** A year of alarms is the most a report reads in one go. */
const LONGEST_RANGE_DAYS = 366;

/** The period a label names, in Europe/Oslo; a label that names none throws a message for a 400. */
export function parsePeriod(label: string): ReportPeriod {
  const start = periodStart(label);
  if (!start)
    throw new Error(
      `period "${label}" is not a month (2026-03), an ISO week (2026-W13) or a range of days (2026-03-01..2026-03-31)`,
    );
  const [from, end] = start;
  if (!from.isValid || !end.isValid) throw new Error(`period "${label}" names no real date`);
  if (end <= from) throw new Error(`period "${label}" ends before it begins`);
  if (end.diff(from, 'days').days > LONGEST_RANGE_DAYS) throw new Error(`period "${label}" is longer than a year`);
  return { label, from: from.toJSDate(), to: end.toJSDate() };
}

function periodStart(label: string): [DateTime, DateTime] | null {
  const month = MONTH.exec(label);
  if (month) {
    const from = DateTime.fromObject({ year: +month[1], month: +month[2], day: 1 }, { zone: REPORT_ZONE });
    return [from, from.plus({ months: 1 })];
  }
  const week = WEEK.exec(label);
  if (week) {
    const from = DateTime.fromObject({ weekYear: +week[1], weekNumber: +week[2], weekday: 1 }, { zone: REPORT_ZONE });
    return [from, from.plus({ weeks: 1 })];
  }
  const range = RANGE.exec(label);
  if (range) {
    const from = DateTime.fromISO(range[1], { zone: REPORT_ZONE });
    return [from, DateTime.fromISO(range[2], { zone: REPORT_ZONE }).plus({ days: 1 })];
  }
  return null;
}

/** The month before the one `now` is in (the default monthly report). */
export function previousMonth(now: Date): string {
  return DateTime.fromJSDate(now, { zone: REPORT_ZONE }).minus({ months: 1 }).toFormat('yyyy-MM');
}

/** Weekday (0 = Monday) and hour of day of a moment, on the wall clock in Norway. */
export function localWeekdayHour(moment: Date): { weekday: number; hour: number } {
  const local = DateTime.fromJSDate(moment, { zone: REPORT_ZONE });
  return { weekday: local.weekday - 1, hour: local.hour };
}

/** Today on the wall clock in Norway, as a one-day range label (the wallboard's period). */
export function todayLabel(now: Date): string {
  const day = DateTime.fromJSDate(now, { zone: REPORT_ZONE }).toISODate()!;
  return `${day}..${day}`;
}
