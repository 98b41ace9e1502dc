import type { NightWindow } from '@welfare/contracts';

/** Where the residents live; rules speak of local wall-clock time there. */
export const RULES_TIME_ZONE = 'Europe/Oslo';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight in the time zone: daylight-saving time is the zone's business, not ours. */
export function localMinuteOfDay(instant: Date, timeZone: string = RULES_TIME_ZONE): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value);
  return hour * 60 + minute;
}

function minutes(clock: string): number {
  const [hour, minute] = clock.split(':').map(Number);
  return hour * 60 + minute;
}

/**
 * Whether the instant falls inside the window, read as local time: [start, end), across midnight
 * when end is earlier than start (23:00-06:00). A window whose start equals its end covers the
 * whole day (an administrator who wants no window sets none).
 */
export function nightWindowContains(window: NightWindow, instant: Date, timeZone: string = RULES_TIME_ZONE): boolean {
  const now = localMinuteOfDay(instant, timeZone);
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (start === end) return true;
  return start < end ? now >= start && now < end : now >= start || now < end;
}
