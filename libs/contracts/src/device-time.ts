/**
 * The instant of a contract timestamp (RFC 3339 with offset), for storage and sorting.
 *
 * The contract accepts every RFC 3339 time, including what JavaScript's Date and PostgreSQL
 * refuse: a leap second (23:59:60), offsets up to +-23:59, year 0000. A device whose clock
 * says so still has a resident who pressed the button, so this never fails on a valid stamp:
 * a leap second counts as the last millisecond before it, and instants before year 1 (which
 * PostgreSQL cannot store) are clamped to 0001-01-01. The event keeps its original string.
 */
// The grammar the contract validator (ajv-formats "date-time") accepts, no stricter: any
// whitespace for the T, and offsets written +01, +0100 or +01:00. Whatever passes at the door
// must have an instant here, or the alarm would be stopped inside the system.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt\s](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

export function deviceTimeInstant(time: string): Date {
  const match = RFC3339.exec(time);
  if (!match) throw new Error(`not an RFC 3339 timestamp: ${time}`);
  const [, year, month, day, hour, minute, second, fraction, , sign, offsetHours, offsetMinutes] = match;
  const leapSecond = Number(second) === 60;
  const instant = new Date(0);
  instant.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  instant.setUTCHours(
    Number(hour),
    Number(minute),
    leapSecond ? 59 : Number(second),
    leapSecond ? 999 : millis(fraction),
  );
  const offsetMs = sign
    ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes ?? 0)) * 60_000
    : 0;
  const utc = instant.getTime() - offsetMs;
  return new Date(Math.max(utc, firstStorableInstant()));
}

function millis(fraction: string | undefined): number {
  return fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
}

let earliest: number | undefined;
/** 0001-01-01T00:00:00Z: PostgreSQL has no year 0. */
function firstStorableInstant(): number {
  if (earliest === undefined) {
    const first = new Date(0);
    first.setUTCFullYear(1, 0, 1);
    first.setUTCHours(0, 0, 0, 0);
    earliest = first.getTime();
  }
  return earliest;
}
