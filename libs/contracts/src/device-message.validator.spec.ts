import { validateDeviceMessage, DeviceMessageValidation } from './device-message.validator';
import { DEVICE_EVENT_TYPES, MAX_DEVICE_EVENT_BYTES } from './device-event.types';

const TOPIC = 'devices/dev-1/events';
const TIME = '2026-11-23T10:00:00+01:00';

function validate(payload: unknown, topic = TOPIC): DeviceMessageValidation {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return validateDeviceMessage(topic, bytes);
}

function rejectionOf(payload: unknown, topic = TOPIC) {
  const result = validate(payload, topic);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.event)}`);
  return result.rejection;
}

const validEvents: Record<string, Record<string, unknown>> = {
  'alarm.button': {},
  'fall.detected': { confidence: 0.93 },
  'alarm.cancelled': { ref: 'evt-41' },
  'door.opened': { door: 'front' },
  'door.closed': {},
  'gps.position': { lat: 59.91, lon: 10.75, accuracy: 12 },
  heartbeat: { battery: 80 },
  'battery.low': { battery: 9 },
  'power.lost': {},
  'power.restored': {},
};

describe('validateDeviceMessage: accepts contract v1', () => {
  it.each(DEVICE_EVENT_TYPES)('accepts a valid %s event with its device id from the topic', (type) => {
    const result = validate({ id: `e-${type}`, type, time: TIME, ...validEvents[type] });
    expect(result).toEqual({ ok: true, deviceId: 'dev-1', event: expect.objectContaining({ type, id: `e-${type}` }) });
  });

  it('keeps unknown extra fields', () => {
    const result = validate({ id: 'e1', type: 'alarm.button', time: TIME, firmware: '2.1', nested: { a: [1] } });
    expect(result.ok && result.event).toMatchObject({ firmware: '2.1', nested: { a: [1] } });
  });

  it('accepts optional fields left out and Z offsets and fractions of seconds', () => {
    expect(validate({ id: 'e1', type: 'fall.detected', time: '2026-11-23T09:00:00.123Z' }).ok).toBe(true);
    expect(validate({ id: 'e1', type: 'gps.position', time: TIME, lat: -90, lon: 180 }).ok).toBe(true);
  });

  it('accepts an id of exactly 64 allowed characters, and a payload of exactly the size limit', () => {
    expect(validate({ id: 'a'.repeat(64), type: 'heartbeat', time: TIME }).ok).toBe(true);
    const base = JSON.stringify({ id: 'e1', type: 'heartbeat', time: TIME, pad: '' });
    const padded = base.replace('"pad":""', `"pad":"${'x'.repeat(MAX_DEVICE_EVENT_BYTES - base.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(MAX_DEVICE_EVENT_BYTES);
    expect(validate(padded).ok).toBe(true);
  });

  it('does not reject an event because the device clock is far off: losing an alarm is worse', () => {
    expect(validate({ id: 'e1', type: 'alarm.button', time: '1970-01-01T00:00:00Z' }).ok).toBe(true);
    expect(validate({ id: 'e1', type: 'alarm.button', time: '2099-01-01T00:00:00+14:00' }).ok).toBe(true);
  });
});

describe('validateDeviceMessage: every class of bad input is refused with a reason', () => {
  it('refuses a payload over 8 KiB', () => {
    const big = JSON.stringify({ id: 'e1', type: 'heartbeat', time: TIME, pad: 'x'.repeat(MAX_DEVICE_EVENT_BYTES) });
    expect(rejectionOf(big)).toEqual({ reason: 'payload_too_large', detail: expect.stringContaining('8192') });
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(rejectionOf(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).reason).toBe('invalid_utf8');
  });

  it.each(['', 'not json', '{"id":', '{"id":"e1",}', "{'id':'e1'}"])('refuses non-JSON %p', (text) => {
    expect(rejectionOf(text).reason).toBe('invalid_json');
  });

  it.each(['[]', '"text"', '42', 'null', 'true', '[{"id":"e1","type":"heartbeat"}]'])(
    'refuses JSON that is not one object: %s',
    (text) => {
      expect(rejectionOf(text).reason).toBe('not_an_object');
    },
  );

  it('refuses an unknown type, naming it', () => {
    expect(rejectionOf({ id: 'e1', type: 'alarm.pressed', time: TIME })).toEqual({
      reason: 'unknown_type',
      detail: expect.stringContaining('alarm.pressed'),
    });
  });

  it.each([
    ['missing id', { type: 'heartbeat', time: TIME }, 'id'],
    ['missing type', { id: 'e1', time: TIME }, 'type'],
    ['missing time', { id: 'e1', type: 'heartbeat' }, 'time'],
    ['id a number', { id: 7, type: 'heartbeat', time: TIME }, 'id'],
    ['id empty', { id: '', type: 'heartbeat', time: TIME }, 'id'],
    ['id too long', { id: 'a'.repeat(65), type: 'heartbeat', time: TIME }, 'id'],
    ['id with a slash', { id: 'a/b', type: 'heartbeat', time: TIME }, 'id'],
    ['id with a space', { id: 'a b', type: 'heartbeat', time: TIME }, 'id'],
    ['type not a string', { id: 'e1', type: ['heartbeat'], time: TIME }, 'type'],
    ['time without offset', { id: 'e1', type: 'heartbeat', time: '2026-11-23T10:00:00' }, 'time'],
    ['time not a date', { id: 'e1', type: 'heartbeat', time: 'yesterday' }, 'time'],
    ['time impossible date', { id: 'e1', type: 'heartbeat', time: '2026-02-30T10:00:00Z' }, 'time'],
    ['time a number', { id: 'e1', type: 'heartbeat', time: 1763890000 }, 'time'],
    ['confidence above 1', { id: 'e1', type: 'fall.detected', time: TIME, confidence: 1.5 }, 'confidence'],
    ['confidence a string', { id: 'e1', type: 'fall.detected', time: TIME, confidence: 'high' }, 'confidence'],
    ['cancel without ref', { id: 'e1', type: 'alarm.cancelled', time: TIME }, 'ref'],
    ['cancel with bad ref', { id: 'e1', type: 'alarm.cancelled', time: TIME, ref: 'x y' }, 'ref'],
    ['door not a string', { id: 'e1', type: 'door.opened', time: TIME, door: 3 }, 'door'],
    ['position without lat', { id: 'e1', type: 'gps.position', time: TIME, lon: 10 }, 'lat'],
    ['latitude out of range', { id: 'e1', type: 'gps.position', time: TIME, lat: 91, lon: 10 }, 'lat'],
    ['longitude out of range', { id: 'e1', type: 'gps.position', time: TIME, lat: 59, lon: -181 }, 'lon'],
    ['latitude a string', { id: 'e1', type: 'gps.position', time: TIME, lat: '59.9', lon: 10 }, 'lat'],
    ['negative accuracy', { id: 'e1', type: 'gps.position', time: TIME, lat: 59, lon: 10, accuracy: -1 }, 'accuracy'],
    ['battery above 100', { id: 'e1', type: 'heartbeat', time: TIME, battery: 101 }, 'battery'],
    ['battery.low without battery', { id: 'e1', type: 'battery.low', time: TIME }, 'battery'],
  ])('refuses %s', (_name, payload, field) => {
    expect(rejectionOf(payload)).toEqual({ reason: 'invalid_field', detail: expect.stringContaining(`"${field}"`) });
  });

  it('refuses numbers too large for a double (they parse to Infinity)', () => {
    expect(
      rejectionOf('{"id":"e1","type":"gps.position","time":"2026-11-23T10:00:00Z","lat":1e400,"lon":0}').reason,
    ).toBe('invalid_field');
  });

  it.each([
    'devices/dev-1/commands',
    'devices/dev-1/events/extra',
    'devices//events',
    'other/dev-1/events',
    `devices/${'a'.repeat(65)}/events`,
  ])('refuses a message on the wrong topic %s', (topic) => {
    expect(rejectionOf({ id: 'e1', type: 'heartbeat', time: TIME }, topic).reason).toBe('invalid_topic');
  });

  it('refuses a payload claiming to be from another device than its topic', () => {
    const rejection = rejectionOf({ id: 'e1', type: 'alarm.button', time: TIME, deviceId: 'dev-2' });
    expect(rejection.reason).toBe('device_mismatch');
  });

  it('keeps the device id of the topic on a rejection so the dead letter can be traced', () => {
    const result = validate('garbage');
    expect(result).toMatchObject({ ok: false, deviceId: 'dev-1' });
  });

  it('survives prototype-pollution keys without polluting anything', () => {
    const result = validate(
      '{"id":"e1","type":"heartbeat","time":"2026-11-23T10:00:00Z","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
    );
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('survives deep nesting within the size limit', () => {
    const deep = `{"id":"e1","type":"heartbeat","time":"2026-11-23T10:00:00Z","x":${'['.repeat(4000)}${']'.repeat(4000)}}`;
    expect(validate(deep).ok).toBe(true);
  });
});
