import { deviceTimeInstant } from './device-time';
import { validateDeviceMessage } from './device-message.validator';

describe('deviceTimeInstant', () => {
  it('agrees with Date for ordinary stamps', () => {
    for (const time of [
      '2026-11-23T10:00:00Z',
      '2026-11-23T10:00:00.123+01:00',
      '2026-03-29T01:59:59.5-02:30',
      '1999-12-31 23:59:59z',
    ]) {
      expect(deviceTimeInstant(time).toISOString()).toBe(new Date(time.replace(' ', 'T').toUpperCase()).toISOString());
    }
  });

  it('reads a leap second as the last millisecond before it', () => {
    expect(deviceTimeInstant('2016-12-31T23:59:60Z').toISOString()).toBe('2016-12-31T23:59:59.999Z');
  });

  it('handles offsets beyond what Date and PostgreSQL parse', () => {
    expect(deviceTimeInstant('2026-11-23T10:00:00+23:59').toISOString()).toBe('2026-11-22T10:01:00.000Z');
    expect(deviceTimeInstant('2026-11-23T10:00:00-16:00').toISOString()).toBe('2026-11-24T02:00:00.000Z');
  });

  it('clamps instants before year 1 to 0001-01-01, which PostgreSQL can store', () => {
    expect(deviceTimeInstant('0000-06-01T00:00:00Z').getUTCFullYear()).toBe(1);
    expect(deviceTimeInstant('0001-01-01T00:00:00+05:00').toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(deviceTimeInstant('0002-03-04T05:06:07Z').toISOString()).toBe('0002-03-04T05:06:07.000Z');
  });

  it('gives a valid instant for every stamp the validator accepts', () => {
    for (const time of [
      '2016-12-31T23:59:60Z',
      '9999-12-31T23:59:59-23:59',
      '0000-01-01T00:00:00+23:59',
      '2024-02-29T12:00:00Z',
    ]) {
      const validation = validateDeviceMessage(
        'devices/d1/events',
        Buffer.from(JSON.stringify({ id: 'e1', type: 'alarm.button', time })),
      );
      expect(validation.ok).toBe(true);
      expect(Number.isNaN(deviceTimeInstant(time).getTime())).toBe(false);
    }
  });

  it('reads the lenient forms the validator lets in: whitespace for T, offsets without colon or minutes', () => {
    const expected = '2026-11-23T09:00:00.000Z';
    for (const time of [
      '2026-11-23 10:00:00+01:00',
      '2026-11-23\t10:00:00+0100',
      '2026-11-23\n10:00:00+01',
      '2026-11-23t09:00:00z',
    ]) {
      expect(
        validateDeviceMessage(
          'devices/d1/events',
          Buffer.from(JSON.stringify({ id: 'e1', type: 'alarm.button', time })),
        ).ok,
      ).toBe(true);
      expect(deviceTimeInstant(time).toISOString()).toBe(expected);
    }
    expect(deviceTimeInstant('2026-11-23T10:00:00-0530').toISOString()).toBe('2026-11-23T15:30:00.000Z');
  });
});
