import { localMinuteOfDay, nightWindowContains } from './night-window';

const night = { start: '23:00', end: '06:00' };

describe('night window (local time, Europe/Oslo)', () => {
  it('reads local time in winter (UTC+1) and summer (UTC+2)', () => {
    expect(localMinuteOfDay(new Date('2026-01-15T21:30:00Z'))).toBe(22 * 60 + 30);
    expect(localMinuteOfDay(new Date('2026-06-15T21:30:00Z'))).toBe(23 * 60 + 30);
  });

  it('runs across midnight: late evening and early morning are inside, the day is not', () => {
    expect(nightWindowContains(night, new Date('2026-01-15T22:00:00Z'))).toBe(true); // 23:00 local, the start
    expect(nightWindowContains(night, new Date('2026-01-15T23:59:00Z'))).toBe(true); // 00:59
    expect(nightWindowContains(night, new Date('2026-01-16T04:59:00Z'))).toBe(true); // 05:59
    expect(nightWindowContains(night, new Date('2026-01-16T05:00:00Z'))).toBe(false); // 06:00, the end is outside
    expect(nightWindowContains(night, new Date('2026-01-15T21:59:00Z'))).toBe(false); // 22:59
    expect(nightWindowContains(night, new Date('2026-01-15T12:00:00Z'))).toBe(false);
  });

  it('follows daylight saving: the same UTC instant is outside in winter and inside in summer', () => {
    // 21:30 UTC is 22:30 in winter (outside 23-06) and 23:30 in summer (inside).
    expect(nightWindowContains(night, new Date('2026-03-28T21:30:00Z'))).toBe(false);
    expect(nightWindowContains(night, new Date('2026-03-29T21:30:00Z'))).toBe(true);
    // The autumn change: 21:30 UTC is 23:30 on Saturday 24 October, 22:30 on Sunday 25 October.
    expect(nightWindowContains(night, new Date('2026-10-24T21:30:00Z'))).toBe(true);
    expect(nightWindowContains(night, new Date('2026-10-25T21:30:00Z'))).toBe(false);
  });

  it('holds through the change nights themselves (the skipped and the repeated hour)', () => {
    // 29 March 2026: 02:00 local jumps to 03:00. 01:30 UTC is 03:30 local.
    expect(nightWindowContains(night, new Date('2026-03-29T00:30:00Z'))).toBe(true); // 01:30 CET
    expect(nightWindowContains(night, new Date('2026-03-29T01:30:00Z'))).toBe(true); // 03:30 CEST
    expect(nightWindowContains(night, new Date('2026-03-29T04:00:00Z'))).toBe(false); // 06:00 CEST
    // 25 October 2026: 03:00 local goes back to 02:00, so 02:30 happens twice; both inside.
    expect(localMinuteOfDay(new Date('2026-10-25T00:30:00Z'))).toBe(150);
    expect(localMinuteOfDay(new Date('2026-10-25T01:30:00Z'))).toBe(150);
    expect(nightWindowContains(night, new Date('2026-10-25T01:30:00Z'))).toBe(true);
    expect(nightWindowContains(night, new Date('2026-10-25T05:00:00Z'))).toBe(false); // 06:00 CET
  });

  it('a window within one day, and one covering the whole day', () => {
    const afternoon = { start: '13:00', end: '15:30' };
    expect(nightWindowContains(afternoon, new Date('2026-01-15T13:00:00Z'))).toBe(true); // 14:00
    expect(nightWindowContains(afternoon, new Date('2026-01-15T14:30:00Z'))).toBe(false); // 15:30
    expect(nightWindowContains({ start: '00:00', end: '00:00' }, new Date('2026-01-15T11:00:00Z'))).toBe(true);
  });
});
