import type { AlarmFacts } from './alarm-facts';
import { parsePeriod } from './report-period';
import { percentile, reportFigures } from './report-figures';

const MONTH = parsePeriod('2026-03');
let serial = 0;

/** An alarm opened at `opened` (ISO, UTC), pressed 5 s before, with moments given as seconds after opening. */
function alarm(
  opened: string,
  after: { answer?: number; dispatch?: number; accept?: number; arrive?: number } = {},
  more: Partial<AlarmFacts> = {},
): AlarmFacts {
  const openedAt = new Date(opened);
  const at = (offset: number | undefined) =>
    offset === undefined ? null : new Date(openedAt.getTime() + offset * 1000);
  serial++;
  return {
    alarmId: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    municipalityId: 'm-1',
    responseCentreId: 'c-1',
    triggerType: 'alarm.button',
    priority: 1,
    kind: 'care',
    triggeredAt: new Date(openedAt.getTime() - 5000),
    openedAt,
    acknowledgedAt: at(after.answer),
    firstDispatchedAt: at(after.dispatch),
    firstAcceptedAt: at(after.accept),
    firstArrivedAt: at(after.arrive),
    resolvedAt: null,
    outcome: null,
    escalations: 0,
    dispatches: after.dispatch === undefined ? 0 : 1,
    dispatchesDeclined: 0,
    dispatchesExpired: 0,
    dispatchesUnanswered: 0,
    ...more,
  };
}

describe('reportFigures', () => {
  it('counts 60 s exactly as within 60 s and a millisecond more as not; 180 s exactly stays off the follow-up list', () => {
    const facts = [
      alarm('2026-03-10T10:00:00Z', { answer: 60 }),
      alarm('2026-03-10T11:00:00Z', { answer: 60.001 }),
      alarm('2026-03-10T12:00:00Z', { answer: 180 }),
      alarm('2026-03-10T13:00:00Z', { answer: 180.001 }),
    ];
    const figures = reportFigures(MONTH, facts);
    expect(figures.timeToAnswer.within60s).toEqual({ count: 1, of: 4, percent: 25 });
    expect(figures.timeToAnswer.within180s).toEqual({ count: 3, of: 4, percent: 75 });
    expect(figures.followUp).toEqual([
      {
        alarmId: facts[3].alarmId,
        openedAt: '2026-03-10T13:00:00.000Z',
        municipalityId: 'm-1',
        priority: 1,
        answerSeconds: 180.001,
      },
    ]);
  });

  it('measures across the spring-forward night by the clock, not the wall: 01:59:30 to 03:00:30 is 60 s', () => {
    // 2026-03-29: at 02:00 CET the clocks go to 03:00 CEST (01:00 UTC).
    const figures = reportFigures(MONTH, [alarm('2026-03-29T00:59:30Z', { answer: 60 })]);
    expect(figures.timeToAnswer).toMatchObject({ medianSeconds: 60, within60s: { count: 1, of: 1, percent: 100 } });
    expect(figures.volumes.byWeekdayHour[6][1]).toBe(1); // Sunday, 01 local
  });

  it('puts both 02:30s of the fall-back night in hour 02 of that Sunday, and none in the missing spring hour', () => {
    // 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET (01:00 UTC).
    const october = parsePeriod('2026-10');
    const figures = reportFigures(october, [
      alarm('2026-10-25T00:30:00Z', { answer: 10 }), // 02:30 CEST
      alarm('2026-10-25T01:30:00Z', { answer: 10 }), // 02:30 CET
      alarm('2026-10-25T02:30:00Z', { answer: 10 }), // 03:30 CET
    ]);
    expect(figures.volumes.byWeekdayHour[6].slice(0, 5)).toEqual([0, 0, 2, 1, 0]);
    expect(figures.volumes.byWeekdayHour.flat().reduce((x, y) => x + y)).toBe(3);
    const spring = reportFigures(MONTH, [alarm('2026-03-29T01:00:00Z', { answer: 10 })]); // 03:00 CEST
    expect(spring.volumes.byWeekdayHour[6].slice(0, 4)).toEqual([0, 0, 0, 1]);
  });

  it('takes median and 90th percentile at nearest rank: 40 alarms answered after 1..40 s give 20 and 36', () => {
    const facts = Array.from({ length: 40 }, (_, k) => alarm('2026-03-05T08:00:00Z', { answer: 40 - k }));
    const figures = reportFigures(MONTH, facts);
    expect(figures.timeToAnswer).toMatchObject({ count: 40, medianSeconds: 20, p90Seconds: 36 });
    // From the press, 5 s earlier each.
    expect(figures.timeToAnswer.fromPress).toEqual({ count: 40, medianSeconds: 25, p90Seconds: 41 });
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });

  it('counts help on site within 30, 45 and 60 min at their edges, and the time to accept a dispatch', () => {
    const figures = reportFigures(MONTH, [
      alarm('2026-03-02T10:00:00Z', { answer: 20, dispatch: 100, accept: 160, arrive: 30 * 60 }),
      alarm('2026-03-02T11:00:00Z', { answer: 20, dispatch: 100, accept: 220, arrive: 30 * 60 + 0.001 }),
      alarm('2026-03-02T12:00:00Z', { answer: 20, dispatch: 100, accept: 130, arrive: 45 * 60 }),
      alarm('2026-03-02T13:00:00Z', { answer: 20, dispatch: 100, accept: 400, arrive: 60 * 60 + 1 }),
      alarm(
        '2026-03-02T14:00:00Z',
        { answer: 20, dispatch: 100 },
        { dispatches: 2, dispatchesDeclined: 1, dispatchesExpired: 1 },
      ),
      alarm('2026-03-02T15:00:00Z', { answer: 20, dispatch: 100 }, { dispatchesUnanswered: 1 }),
      alarm('2026-03-02T16:00:00Z', { answer: 20 }),
    ]);
    expect(figures.timeToHelpOnSite).toEqual({
      count: 4,
      medianSeconds: 30 * 60 + 0.001,
      p90Seconds: 60 * 60 + 1,
      within30min: { count: 1, of: 4, percent: 25 },
      within45min: { count: 3, of: 4, percent: 75 },
      within60min: { count: 3, of: 4, percent: 75 },
    });
    expect(figures.dispatches).toEqual({
      alarmsDispatched: 6,
      dispatches: 7,
      timeToAccept: { count: 4, medianSeconds: 60, p90Seconds: 300 },
      declined: 1,
      expired: 1,
      unanswered: 1,
    });
  });

  it('counts volumes, outcomes, the false-alarm share, escalations, technical alarms and alarms nobody took', () => {
    const resolved = (outcome: string) => ({ outcome, resolvedAt: new Date('2026-03-03T10:10:00Z') });
    const figures = reportFigures(MONTH, [
      alarm('2026-03-03T10:00:00Z', { answer: 5 }, resolved('false_alarm')),
      alarm(
        '2026-03-03T10:00:00Z',
        { answer: 5 },
        { ...resolved('cancelled_by_resident'), triggerType: 'fall.detected' },
      ),
      alarm('2026-03-03T10:00:00Z', { answer: 5 }, { ...resolved('home_care_visit'), escalations: 2 }),
      alarm('2026-03-03T10:00:00Z', {}, { ...resolved('cleared_by_device'), triggerType: 'power.lost', priority: 3 }),
      alarm('2026-03-03T10:00:00Z', {}, { triggerType: 'battery.low', priority: 3, escalations: 1 }),
      alarm('2026-03-03T10:00:00Z', { answer: 5 }, { triggerType: 'device.silent', priority: 3 }),
      alarm('2026-03-03T10:00:00Z', { answer: 5 }, { triggerType: 'system.fleet_silent', priority: 1 }),
    ]);
    expect(figures.alarms).toBe(7);
    expect(figures.timeToAnswer.notAnswered).toBe(2);
    expect(figures.volumes.byTrigger).toEqual({
      'alarm.button': 2,
      'fall.detected': 1,
      'power.lost': 1,
      'battery.low': 1,
      'device.silent': 1,
      'system.fleet_silent': 1,
    });
    expect(figures.volumes.byPriority).toEqual({ '1': 4, '3': 3 });
    expect(figures.volumes.byOutcome).toEqual({
      false_alarm: 1,
      cancelled_by_resident: 1,
      home_care_visit: 1,
      cleared_by_device: 1,
    });
    expect(figures.volumes.falseAlarms).toEqual({ count: 2, of: 4, percent: 50 });
    expect(figures.escalations).toEqual({ alarmsEscalated: 2, escalations: 3 });
    // Device health is supervision's, not the alarms' facts: with none given, no hours and none silent.
    expect(figures.technical).toEqual({
      batteryLow: 1,
      powerLost: 1,
      deviceSilent: 1,
      fleetSilent: 1,
      deviceHoursHeard: { count: 0, of: 0, percent: null },
      devicesSilentNow: 0,
    });
    expect(figures.volumes.byWeekdayHour[1][11]).toBe(7); // Tuesday 11:00 CET
  });

  it('answers an empty period with zero counts and no medians rather than failing', () => {
    const figures = reportFigures(MONTH, []);
    expect(figures.alarms).toBe(0);
    expect(figures.timeToAnswer).toMatchObject({
      count: 0,
      medianSeconds: null,
      within60s: { count: 0, of: 0, percent: null },
    });
    expect(figures.period).toEqual({
      label: '2026-03',
      from: '2026-02-28T23:00:00.000Z',
      to: '2026-03-31T22:00:00.000Z',
    });
  });
});

describe('parsePeriod', () => {
  it('reads months, ISO weeks and day ranges on the wall clock in Norway', () => {
    expect(parsePeriod('2026-10')).toMatchObject({
      from: new Date('2026-09-30T22:00:00Z'),
      to: new Date('2026-10-31T23:00:00Z'),
    });
    expect(parsePeriod('2026-W13')).toMatchObject({
      from: new Date('2026-03-22T23:00:00Z'),
      to: new Date('2026-03-29T22:00:00Z'),
    });
    expect(parsePeriod('2026-03-29..2026-03-29')).toMatchObject({
      from: new Date('2026-03-28T23:00:00Z'),
      to: new Date('2026-03-29T22:00:00Z'),
    });
  });

  it.each([
    ['2026-13', /names no real date/],
    ['2026-W54', /names no real date/],
    ['2026-03-31..2026-03-01', /ends before it begins/],
    ['2024-01-01..2026-01-01', /longer than a year/],
    ['march', /is not a month/],
    ['', /is not a month/],
  ])('refuses %p with a message', (label, message) => {
    expect(() => parsePeriod(label)).toThrow(message);
  });
});
