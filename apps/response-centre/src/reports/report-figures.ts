import type { AlarmFacts } from './alarm-facts';
import { localWeekdayHour, type ReportPeriod } from './report-period';

/** A share of a whole: `count` of `of`, and the percentage (one decimal; null when `of` is 0). */
export interface Share {
  count: number;
  of: number;
  percent: number | null;
}

/** Median and 90th percentile in seconds (nearest rank); null when nothing was measured. */
export interface Spread {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface FollowUpAlarm {
  alarmId: string;
  openedAt: string;
  municipalityId: string | null;
  priority: number;
  answerSeconds: number;
}

export interface ReportFigures {
  period: { label: string; from: string; to: string };
  alarms: number;
  timeToAnswer: Spread & {
    within60s: Share;
    within180s: Share;
    /** Alarms nobody took (closed by the device, or still open). */
    notAnswered: number;
    /** From the press on the device: the time lost before the centre shows the alarm counts too. */
    fromPress: Spread;
  };
  /** Every alarm answered after more than 180 s, oldest first (alarms opened in the same millisecond by id). */
  followUp: FollowUpAlarm[];
  timeToHelpOnSite: Spread & { within30min: Share; within45min: Share; within60min: Share };
  dispatches: {
    alarmsDispatched: number;
    dispatches: number;
    timeToAccept: Spread;
    declined: number;
    expired: number;
    unanswered: number;
  };
  volumes: {
    byTrigger: Record<string, number>;
    byPriority: Record<string, number>;
    byOutcome: Record<string, number>;
    /** `false_alarm` and `cancelled_by_resident` among resolved alarms. */
    falseAlarms: Share;
    /** [weekday 0 = Monday][hour 0-23], on the wall clock in Norway. */
    byWeekdayHour: number[][];
  };
  escalations: { alarmsEscalated: number; escalations: number };
  technical: {
    batteryLow: number;
    powerLost: number;
    deviceSilent: number;
    /** Fleet-silence incidents: the subject's, and those of no owner (the whole fleet's). */
    fleetSilent: number;
    /** Hours the subject's supervised devices were heard in, of the hours they were watched (report-figures-sql.ts). */
    deviceHoursHeard: Share;
    /** The subject's supervised devices silent when the report was made (a silence alarm open), as the wallboard counts them. */
    devicesSilentNow: number;
  };
}

/**
 * What supervision knows beyond the subject's alarms (report-figures-sql.ts counts it): the
 * subject's devices, and the fleet-silence incidents, which belong to no municipality or centre
 * (their alarm has no owner) and so count in every report of their period.
 */
export interface SupervisionFigures {
  deviceHoursHeard: Share;
  devicesSilentNow: number;
  ownerlessFleetSilent: number;
}

const SECOND = 1000;
const HOUR = 3_600_000;
const FALSE_ALARM_OUTCOMES = new Set(['false_alarm', 'cancelled_by_resident']);

/**
 * The report's figures from the facts of the alarms opened in the period: their definition, in
 * plain code. Reports are computed by the database (report-figures-sql.ts), which must give
 * exactly this for the same facts (report-workers.int-spec.ts compares the two). The share of
 * device-hours heard from is not a figure of the alarms' facts: it is counted from supervision's
 * hours by SQL alone, and given here as it is. Intervals are between
 * absolute moments, so a daylight-saving change inside one changes nothing; only the heat map
 * reads the wall clock. A threshold's edge counts as within (60 s exactly is within 60 s).
 */
export function reportFigures(
  period: ReportPeriod,
  facts: AlarmFacts[],
  supervision: SupervisionFigures = { deviceHoursHeard: share(0, 0), devicesSilentNow: 0, ownerlessFleetSilent: 0 },
): ReportFigures {
  const answered = facts.filter((alarm) => alarm.acknowledgedAt !== null);
  const answerSeconds = answered.map((alarm) => seconds(alarm.openedAt, alarm.acknowledgedAt!));
  const arrived = facts.filter((alarm) => alarm.firstArrivedAt !== null);
  const onSiteSeconds = arrived.map((alarm) => seconds(alarm.openedAt, alarm.firstArrivedAt!));
  const dispatched = facts.filter((alarm) => alarm.dispatches > 0);
  const accepted = dispatched.filter((alarm) => alarm.firstAcceptedAt !== null && alarm.firstDispatchedAt !== null);
  const resolved = facts.filter((alarm) => alarm.outcome !== null);
  return {
    period: { label: period.label, from: period.from.toISOString(), to: period.to.toISOString() },
    alarms: facts.length,
    timeToAnswer: {
      ...spread(answerSeconds),
      within60s: shareAtMost(answerSeconds, 60),
      within180s: shareAtMost(answerSeconds, 180),
      notAnswered: facts.length - answered.length,
      fromPress: spread(answered.map((alarm) => seconds(alarm.triggeredAt, alarm.acknowledgedAt!))),
    },
    followUp: followUp(answered),
    timeToHelpOnSite: {
      ...spread(onSiteSeconds),
      within30min: shareAtMost(onSiteSeconds, 30 * 60),
      within45min: shareAtMost(onSiteSeconds, 45 * 60),
      within60min: shareAtMost(onSiteSeconds, 60 * 60),
    },
    dispatches: {
      alarmsDispatched: dispatched.length,
      dispatches: sum(facts, (alarm) => alarm.dispatches),
      timeToAccept: spread(accepted.map((alarm) => seconds(alarm.firstDispatchedAt!, alarm.firstAcceptedAt!))),
      declined: sum(facts, (alarm) => alarm.dispatchesDeclined),
      expired: sum(facts, (alarm) => alarm.dispatchesExpired),
      unanswered: sum(facts, (alarm) => alarm.dispatchesUnanswered),
    },
    volumes: {
      byTrigger: countBy(facts, (alarm) => alarm.triggerType),
      byPriority: countBy(facts, (alarm) => String(alarm.priority)),
      byOutcome: countBy(resolved, (alarm) => alarm.outcome!),
      falseAlarms: share(resolved.filter((alarm) => FALSE_ALARM_OUTCOMES.has(alarm.outcome!)).length, resolved.length),
      byWeekdayHour: weekdayHours(facts),
    },
    escalations: {
      alarmsEscalated: facts.filter((alarm) => alarm.escalations > 0).length,
      escalations: sum(facts, (alarm) => alarm.escalations),
    },
    technical: {
      batteryLow: facts.filter((alarm) => alarm.triggerType === 'battery.low').length,
      powerLost: facts.filter((alarm) => alarm.triggerType === 'power.lost').length,
      deviceSilent: facts.filter((alarm) => alarm.triggerType === 'device.silent').length,
      fleetSilent:
        facts.filter((alarm) => alarm.triggerType === 'system.fleet_silent').length + supervision.ownerlessFleetSilent,
      deviceHoursHeard: supervision.deviceHoursHeard,
      devicesSilentNow: supervision.devicesSilentNow,
    },
  };
}

/**
 * The value at nearest rank: the smallest with at least `percent` % of the values at or below it.
 * Always a measured value, never an interpolation between two alarms.
 */
export function percentile(sorted: ArrayLike<number>, percent: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)];
}

function spread(values: number[]): Spread {
  // A typed array sorts numerically without a comparator call per step: a month may hold 100,000 alarms.
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, medianSeconds: percentile(sorted, 50), p90Seconds: percentile(sorted, 90) };
}

function shareAtMost(values: number[], limitSeconds: number): Share {
  return share(values.filter((value) => value <= limitSeconds).length, values.length);
}

export function share(count: number, of: number): Share {
  return { count, of, percent: of === 0 ? null : Math.round((count / of) * 1000) / 10 };
}

/** Seconds between two moments, to the millisecond: 60.001 s is not within 60 s. */
function seconds(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / SECOND;
}

function followUp(answered: AlarmFacts[]): FollowUpAlarm[] {
  return answered
    .map((alarm) => ({
      alarm,
      answerSeconds: seconds(alarm.openedAt, alarm.acknowledgedAt!),
      opened: alarm.openedAt.getTime(),
    }))
    .filter(({ answerSeconds }) => answerSeconds > 180)
    .sort((x, y) => x.opened - y.opened || compareText(x.alarm.alarmId, y.alarm.alarmId))
    .map(({ alarm, answerSeconds }) => ({
      alarmId: alarm.alarmId,
      openedAt: alarm.openedAt.toISOString(),
      municipalityId: alarm.municipalityId,
      priority: alarm.priority,
      answerSeconds,
    }));
}

/**
 * Norway's offset from UTC is whole hours and changes only on a whole UTC hour, so every moment
 * of one UTC hour has the same local weekday and hour: the time-zone lookup (slow, and a month
 * holds 100,000 alarms) is made once per UTC hour.
 */
function weekdayHours(facts: AlarmFacts[]): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  const byUtcHour = new Map<number, { weekday: number; hour: number }>();
  for (const alarm of facts) {
    const utcHour = Math.floor(alarm.openedAt.getTime() / HOUR);
    let local = byUtcHour.get(utcHour);
    if (!local) {
      local = localWeekdayHour(new Date(utcHour * HOUR));
      byUtcHour.set(utcHour, local);
    }
    grid[local.weekday][local.hour]++;
  }
  return grid;
}

function countBy(facts: AlarmFacts[], key: (alarm: AlarmFacts) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const alarm of facts) counts.set(key(alarm), (counts.get(key(alarm)) ?? 0) + 1);
  return countsRecord([...counts]);
}

/** Counts keyed by name, in the names' order, so the CSV and PDF list them the same way every time. */
export function countsRecord(entries: [string, number][]): Record<string, number> {
  return Object.fromEntries([...entries].sort(([x], [y]) => compareText(x, y)));
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function sum(facts: AlarmFacts[], value: (alarm: AlarmFacts) => number): number {
  return facts.reduce((total, alarm) => total + value(alarm), 0);
}
