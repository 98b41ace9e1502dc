import fc from 'fast-check';
import { DEVICE_EVENT_TYPES, DeviceEventType, MAX_DEVICE_EVENT_BYTES } from './device-event.types';
import { DeviceMessageValidation, validateDeviceMessage } from './device-message.validator';
import { deviceTimeInstant } from './device-time';
import {
  DeadLetterRecord,
  decodeDeviceCommandRecord,
  decodeDeviceEventRecord,
  DeviceCommandRecord,
  DeviceEventRecord,
  encodeRecord,
  rawPayload,
} from './kafka-records';

/*
 * Hostile input thrown at the device contract (shared/DESIGN.md section 2) by the thousand:
 * arbitrary bytes, strings and JSON, deep nesting, invalid UTF-8, prototype-pollution keys,
 * NaN and infinite numbers, timestamps far in the past or future, wrong topics.
 *
 * What must hold for every input: the validator never throws; a rejection names one of the
 * documented dead-letter reasons and says why; nothing global is changed; an accepted event is
 * kept exactly as sent and survives the Kafka encoding; a valid event is never refused.
 *
 * Timestamps: the contract asks for RFC 3339 with offset and nothing about how close to now.
 * An alarm whose device clock is off is still an alarm, so every RFC 3339 stamp (years 0000 to
 * 9999, leap seconds, offsets up to +-23:59) is accepted (as device-message.validator.spec.ts
 * already pins for two samples); what is not RFC 3339 at all (5-digit or negative years,
 * numbers, "NaN") is refused with invalid_field.
 */

/** The reasons the README documents for the ingestor; `validator_failure` would mean it threw inside. */
const DOCUMENTED_REASONS = [
  'invalid_topic',
  'payload_too_large',
  'invalid_utf8',
  'invalid_json',
  'not_an_object',
  'unknown_type',
  'invalid_field',
  'device_mismatch',
];
const DEVICE_ID = 'dev-1';
const TOPIC = `devices/${DEVICE_ID}/events`;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-';
const IDENTIFIER = /^[A-Za-z0-9._:-]{1,64}$/;
const POLLUTION_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
];

const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');
const validate = (payload: Uint8Array | string, topic = TOPIC): DeviceMessageValidation =>
  validateDeviceMessage(topic, typeof payload === 'string' ? bytesOf(payload) : payload);

/** Every answer has the documented shape; a refusal has a documented reason and says why. */
function expectWellFormed(result: DeviceMessageValidation, topicDeviceId: string | null = DEVICE_ID): void {
  if (result.ok) {
    expect(result.deviceId).toBe(topicDeviceId);
    expect(DEVICE_EVENT_TYPES).toContain(result.event.type);
    expect(result.event.id).toMatch(IDENTIFIER);
    return;
  }
  expect(DOCUMENTED_REASONS).toContain(result.rejection.reason);
  expect(typeof result.rejection.detail).toBe('string');
  expect(result.rejection.detail.trim()).not.toBe('');
  expect(result.deviceId).toBe(result.rejection.reason === 'invalid_topic' ? null : topicDeviceId);
}

function rejectionOf(result: DeviceMessageValidation) {
  if (result.ok) throw new Error(`expected a rejection, but it accepted ${JSON.stringify(result.event)}`);
  return result.rejection;
}

// ---------------------------------------------------------------------------------------------
// Nothing global may change: snapshot the built-in prototypes and compare after every run.

const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Function.prototype', Function.prototype],
];
const snapshot = () => PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort().join(',')]);
const pristine = snapshot();

function expectNothingPolluted(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin', 'id', 'type', 'time', 'x']) {
    expect(probe[key]).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>)[key]).toBeUndefined();
  }
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  expect(snapshot()).toEqual(pristine);
}

// ---------------------------------------------------------------------------------------------
// Building blocks. Events are built as JSON *text* from [key, value-as-JSON-text] pairs, so that
// `__proto__` becomes a real own key (as JSON.parse makes it), and so that literals JSON.parse
// reads but JSON.stringify never writes (1e400, -0) can be placed where wanted.

type Entry = [key: string, valueJson: string];

const objectText = (entries: Entry[]): string =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
const withEntry = (entries: Entry[], key: string, value: string): Entry[] => [
  ...entries.filter(([k]) => k !== key),
  [key, value],
];
const withoutEntry = (entries: Entry[], key: string): Entry[] => entries.filter(([k]) => k !== key);

const identifier = fc.string({ unit: fc.constantFrom(...ID_CHARS.split('')), minLength: 1, maxLength: 64 });
const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: length, maxLength: length });
const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysIn = (year: number, month: number) =>
  [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];

/** A calendar date from 0000-01-01 to 9999-12-31, biased to the extremes (far past, far future). */
const calendarDate = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 1969, 1970, 2038, 9999)),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ year, month, day }) => ({ year, month, day: Math.min(day, daysIn(year, month)) }));

interface Offset {
  text: string;
  minutes: number;
}
const offset: fc.Arbitrary<Offset> = fc.oneof(
  fc.constantFrom<Offset>(
    { text: 'Z', minutes: 0 },
    { text: 'z', minutes: 0 },
    { text: '+23:59', minutes: 1439 },
    { text: '-23:59', minutes: -1439 },
  ),
  fc
    .record({
      sign: fc.constantFrom(1, -1),
      hours: fc.integer({ min: 0, max: 23 }),
      minutes: fc.integer({ min: 0, max: 59 }),
    })
    .map(({ sign, hours, minutes }) => ({
      text: `${sign > 0 ? '+' : '-'}${pad(hours)}:${pad(minutes)}`,
      minutes: sign * (hours * 60 + minutes),
    })),
);

interface Stamp {
  text: string;
  /** The instant by an independent model (Date.parse of a normalised form), before clamping. */
  instant: number;
}

/** Any RFC 3339 date-time with offset, as the contract allows it. */
const rfc3339Stamp: fc.Arbitrary<Stamp> = fc
  .record({
    date: calendarDate,
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.integer({ min: 1, max: 9 }).chain(digits), { nil: undefined }),
    separator: fc.constantFrom('T', 't', ' '),
    offset,
  })
  .map(({ date, hour, minute, second, fraction, separator, offset }) => {
    const day = `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
    const clock = `${pad(hour)}:${pad(minute)}:${pad(second)}`;
    const millis = fraction ? fraction.padEnd(3, '0').slice(0, 3) : '000';
    const normalised = `${day}T${clock}.${millis}${offset.text.toUpperCase()}`;
    return {
      text: `${day}${separator}${clock}${fraction ? `.${fraction}` : ''}${offset.text}`,
      instant: Date.parse(normalised),
    };
  });

/** A leap second: 23:59:60 UTC, written in any offset (the device clock shows its local time). */
const leapSecondStamp: fc.Arbitrary<Stamp> = fc.record({ date: calendarDate, offset }).map(({ date, offset }) => {
  const local = (23 * 60 + 59 + offset.minutes + 1440) % 1440;
  const [hour, minute] = [Math.floor(local / 60), local % 60];
  const day = `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
  const text = `${day}T${pad(hour)}:${pad(minute)}:60${offset.text}`;
  return { text, instant: Date.parse(`${day}T${pad(hour)}:${pad(minute)}:59.999${offset.text.toUpperCase()}`) };
});

/** 0001-01-01T00:00:00Z: the earliest instant deviceTimeInstant gives (PostgreSQL has no year 0). */
const FIRST_STORABLE = Date.parse('0001-01-01T00:00:00Z');

/** A number field's rules per type: [field, minimum, maximum, required]. */
const NUMBER_FIELDS: Partial<Record<DeviceEventType, [string, number, number, boolean][]>> = {
  'fall.detected': [['confidence', 0, 1, false]],
  'gps.position': [
    ['lat', -90, 90, true],
    ['lon', -180, 180, true],
    ['accuracy', 0, 1_000_000, false],
  ],
  heartbeat: [['battery', 0, 100, false]],
  'battery.low': [['battery', 0, 100, true]],
};
const TYPE_FIELDS = ['deviceId', 'confidence', 'ref', 'door', 'lat', 'lon', 'accuracy', 'battery'];
const RESERVED = new Set(['id', 'type', 'time', ...TYPE_FIELDS]);

const jsonText = (value: unknown) => JSON.stringify(value);
const finiteIn = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** The fields a valid event of `type` may or must carry, beyond id, type and time. */
function typeFields(type: DeviceEventType): fc.Arbitrary<Entry[]> {
  const optional = (key: string, value: fc.Arbitrary<string>) =>
    fc.option(
      value.map((v): Entry[] => [[key, v]]),
      { nil: [] as Entry[] },
    );
  const required = (key: string, value: fc.Arbitrary<string>) => value.map((v): Entry[] => [[key, v]]);
  const numbers = (NUMBER_FIELDS[type] ?? []).map(([key, min, max, isRequired]) =>
    (isRequired ? required : optional)(key, finiteIn(min, max).map(jsonText)),
  );
  const others: fc.Arbitrary<Entry[]>[] = [];
  if (type === 'alarm.cancelled') others.push(required('ref', identifier.map(jsonText)));
  if (type === 'door.opened' || type === 'door.closed')
    others.push(optional('door', fc.string({ maxLength: 30, unit: 'grapheme' }).map(jsonText)));
  return fc.tuple(...numbers, ...others).map((parts) => parts.flat());
}

/** Unknown extra fields, which the contract keeps: any JSON, including prototype-pollution keys. */
const extras: fc.Arbitrary<Entry[]> = fc.uniqueArray(
  fc.tuple(
    fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...POLLUTION_KEYS)).filter((key) => !RESERVED.has(key)),
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map(jsonText),
      fc.constantFrom(
        '{"polluted":"yes"}',
        '{"prototype":{"polluted":"yes"}}',
        '{"__proto__":{"polluted":"yes"}}',
        '-0',
        '"\\ud800"',
        '"\\u0000"',
      ),
    ),
  ),
  { maxLength: 4, selector: ([key]) => key },
);

interface ValidEvent {
  type: DeviceEventType;
  entries: Entry[];
  stamp: Stamp;
}

/** A valid event of any contract type, with optional fields, extras and a deviceId matching the topic sometimes. */
const validEvent: fc.Arbitrary<ValidEvent> = fc
  .constantFrom(...DEVICE_EVENT_TYPES)
  .chain((type) =>
    fc.record({
      type: fc.constant(type),
      id: identifier,
      stamp: fc.oneof({ weight: 9, arbitrary: rfc3339Stamp }, { weight: 1, arbitrary: leapSecondStamp }),
      fields: typeFields(type),
      extras,
      claimsDevice: fc.boolean(),
      order: fc.integer({ min: 0, max: 1000 }),
    }),
  )
  .map(({ type, id, stamp, fields, extras, claimsDevice, order }) => {
    const entries: Entry[] = [
      ['id', jsonText(id)],
      ['type', jsonText(type)],
      ['time', jsonText(stamp.text)],
      ...fields,
      ...extras,
    ];
    if (claimsDevice) entries.push(['deviceId', jsonText(DEVICE_ID)]);
    // Field order carries no meaning: rotate it.
    const shift = order % entries.length;
    return { type, stamp, entries: [...entries.slice(shift), ...entries.slice(0, shift)] };
  });

// ---------------------------------------------------------------------------------------------

describe('validateDeviceMessage under hostile input (property-based)', () => {
  afterAll(() => expectNothingPolluted());

  describe('never throws, and every refusal has a documented reason and a detail', () => {
    it('for arbitrary bytes', () => {
      // Near the size limit too: a random block repeated (generating 8 KiB byte by byte is slow).
      const nearLimit = fc
        .tuple(
          fc.uint8Array({ minLength: 1, maxLength: 64 }),
          fc.integer({ min: MAX_DEVICE_EVENT_BYTES - 200, max: MAX_DEVICE_EVENT_BYTES + 200 }),
        )
        .map(([block, size]) => Buffer.alloc(size, block));
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), nearLimit), (bytes) => {
          const result = validate(bytes);
          expectWellFormed(result);
          if (bytes.byteLength > MAX_DEVICE_EVENT_BYTES) expect(rejectionOf(result).reason).toBe('payload_too_large');
        }),
        { numRuns: 2000 },
      );
    });

    it('for arbitrary text, including every Unicode plane, control characters and lone surrogates', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc.string({ unit: 'grapheme', maxLength: 200 }),
            fc.string({ unit: 'binary-ascii' }),
          ),
          (text) => {
            const result = validate(text);
            expectWellFormed(result);
            expect(result.ok).toBe(false);
          },
        ),
        { numRuns: 1500 },
      );
    });

    it('for arbitrary JSON values: anything that is not one object is not_an_object', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          const result = validate(JSON.stringify(value));
          expectWellFormed(result);
          const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
          if (!isObject) expect(rejectionOf(result).reason).toBe('not_an_object');
        }),
        { numRuns: 1500 },
      );
    });

    it('for objects made of the contract field names with values of any type, and accepts only what keeps the contract', () => {
      const keys = fc.constantFrom(
        'id',
        'type',
        'time',
        'deviceId',
        'lat',
        'lon',
        'accuracy',
        'battery',
        'confidence',
        'ref',
        'door',
        ...POLLUTION_KEYS,
      );
      const values = fc.oneof(
        fc.jsonValue({ maxDepth: 2 }).map(jsonText),
        fc.constantFrom(...DEVICE_EVENT_TYPES).map(jsonText),
        identifier.map(jsonText),
        rfc3339Stamp.map((stamp) => jsonText(stamp.text)),
        fc.constantFrom('1e400', '-1e400', '-0', '"NaN"', '"Infinity"', 'null', '"\\u0000"', '"\\ud800"'),
      );
      fc.assert(
        fc.property(fc.array(fc.tuple(keys, values), { maxLength: 8 }), (entries) => {
          const text = objectText(entries);
          const result = validate(text);
          expectWellFormed(result);
          if (result.ok) {
            const sent = JSON.parse(text) as Record<string, unknown>;
            expect(result.event).toEqual(sent);
            expect(typeof sent.time === 'string' && !Number.isNaN(deviceTimeInstant(sent.time).getTime())).toBe(true);
            expect(sent.deviceId === undefined || sent.deviceId === DEVICE_ID).toBe(true);
            for (const [field, min, max] of NUMBER_FIELDS[result.event.type] ?? []) {
              const value = sent[field];
              if (value !== undefined)
                expect(Number.isFinite(value) && (value as number) >= min && (value as number) <= max).toBe(true);
            }
          }
        }),
        { numRuns: 2500 },
      );
    });

    it('for nesting far deeper than any event needs, inside and outside the size limit', () => {
      const opener = fc.constantFrom('[', '{"a":');
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 6000 }),
          opener,
          fc.constantFrom('extra', 'root', 'unbalanced'),
          (depth, open, where) => {
            const close = open === '[' ? ']' : '}';
            const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
            const text =
              where === 'extra'
                ? `{"id":"deep","type":"alarm.button","time":"2026-11-23T10:00:00Z","x":${nested}}`
                : where === 'root'
                  ? nested
                  : `{"id":"deep","type":"alarm.button","time":"2026-11-23T10:00:00Z","x":${open.repeat(depth)}1}`;
            const result = validate(text);
            expectWellFormed(result);
            const tooLarge = Buffer.byteLength(text) > MAX_DEVICE_EVENT_BYTES;
            const expected = tooLarge
              ? 'payload_too_large'
              : where === 'extra'
                ? 'accepted'
                : where === 'unbalanced'
                  ? 'invalid_json'
                  : open === '['
                    ? 'not_an_object'
                    : 'invalid_field';
            expect(result.ok ? 'accepted' : result.rejection.reason).toBe(expected);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('for prototype-pollution keys at any depth: kept as sent as own keys, smuggle nothing, pollute nothing', () => {
      const pollutionValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
        value: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          fc.constantFrom('"yes"', 'true', '1', 'null', '{"polluted":"yes","isAdmin":true}'),
          fc
            .tuple(fc.constantFrom(...POLLUTION_KEYS, 'polluted', 'id', 'type', 'time'), tie('value'))
            .map(([key, value]) => objectText([[key, value]])),
          fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
        ),
      })).value;
      const hidden = '{"id":"smuggled","type":"alarm.button","time":"2026-11-23T10:00:00Z"}';
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.tuple(fc.constantFrom(...POLLUTION_KEYS), pollutionValue), {
            minLength: 1,
            maxLength: 4,
            selector: ([key]) => key,
          }),
          fc.boolean(),
          (pollution, withEnvelope) => {
            const envelope: Entry[] = withEnvelope
              ? [
                  ['id', '"e1"'],
                  ['type', '"heartbeat"'],
                  ['time', '"2026-11-23T10:00:00Z"'],
                ]
              : [];
            // Without an envelope of its own, the event tries to borrow one through __proto__.
            const borrowed: Entry[] = withEnvelope ? [] : [['__proto__', hidden]];
            const text = objectText([
              ...envelope,
              ...borrowed,
              ...pollution.filter(([key]) => withEnvelope || key !== '__proto__'),
            ]);
            const result = validate(text);
            expectWellFormed(result);
            if (withEnvelope) {
              if (!result.ok) throw new Error(`refused ${text}: ${JSON.stringify(result.rejection)}`);
              expect(JSON.stringify(result.event)).toBe(JSON.stringify(JSON.parse(text)));
              expect(Object.getPrototypeOf(result.event)).toBe(Object.prototype);
              for (const [key] of pollution) expect(Object.prototype.hasOwnProperty.call(result.event, key)).toBe(true);
            } else {
              expect(rejectionOf(result)).toEqual({
                reason: 'invalid_field',
                detail: expect.stringMatching(/"(id|type|time)"/),
              });
            }
            expectNothingPolluted();
          },
        ),
        { numRuns: 800 },
      );
    });

    it('for arbitrary topics: accepted exactly on devices/{valid device id}/events, else invalid_topic with no device id', () => {
      const topic = fc.oneof(
        identifier.map((id) => `devices/${id}/events`),
        fc.string({ maxLength: 80, unit: 'binary' }),
        fc.string({ maxLength: 80, unit: 'binary' }).map((id) => `devices/${id}/events`),
        fc
          .tuple(
            identifier,
            fc.constantFrom(
              'devices/%s/events/extra',
              '/devices/%s/events',
              'devices/%s/event',
              'Devices/%s/events',
              'devices/%s/commands',
              'devices/%s/events/',
              'devices/%s%s/events',
              '$share/g/devices/%s/events',
            ),
          )
          .map(([id, shape]) => shape.replaceAll('%s', id)),
        fc.constantFrom(
          '',
          'devices//events',
          'devices/+/events',
          'devices/#',
          '#',
          `devices/${'a'.repeat(65)}/events`,
          'devices/a b/events',
          'devices/ø/events',
          'devices/\u0000/events',
        ),
      );
      const payload = bytesOf('{"id":"e1","type":"alarm.button","time":"2026-11-23T10:00:00Z"}');
      fc.assert(
        fc.property(topic, (topic) => {
          const result = validateDeviceMessage(topic, payload);
          const id = /^devices\/([^/]+)\/events$/.exec(topic)?.[1];
          if (id !== undefined && IDENTIFIER.test(id)) {
            expect(result).toEqual({ ok: true, deviceId: id, event: expect.objectContaining({ id: 'e1' }) });
          } else {
            expect(result).toEqual({
              ok: false,
              deviceId: null,
              rejection: { reason: 'invalid_topic', detail: expect.stringMatching(/\S/) },
            });
          }
        }),
        { numRuns: 1000 },
      );
    });

    it('for invalid UTF-8 anywhere in an otherwise valid event: invalid_utf8, and the raw bytes survive to the dead letter', () => {
      const invalidSequence = fc.constantFrom(
        [0xff],
        [0xfe],
        [0x80], // a continuation byte alone
        [0xc0, 0xaf], // overlong '/'
        [0xe0, 0x80, 0xaf], // overlong, three bytes
        [0xed, 0xa0, 0x80], // a UTF-16 surrogate encoded as UTF-8 (CESU)
        [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
        [0xe2, 0x82], // truncated
        [0xf0, 0x9f, 0x98], // truncated emoji
      );
      fc.assert(
        fc.property(validEvent, invalidSequence, fc.nat(), (event, sequence, at) => {
          const text = bytesOf(objectText(event.entries));
          const position = at % (text.length + 1);
          const bytes = Buffer.concat([text.subarray(0, position), Buffer.from(sequence), text.subarray(position)]);
          fc.pre(bytes.length <= MAX_DEVICE_EVENT_BYTES);
          const result = validate(bytes);
          expectWellFormed(result);
          expect(rejectionOf(result).reason).toBe('invalid_utf8');
          const raw = rawPayload(bytes);
          expect(raw.encoding).toBe('base64');
          expect(Buffer.from(raw.data, 'base64').equals(bytes)).toBe(true);
        }),
        { numRuns: 800 },
      );
    });

    it('for payloads over 8 KiB, whatever they hold: payload_too_large naming the size; at the limit an event is still accepted', () => {
      fc.assert(
        fc.property(
          validEvent,
          fc.integer({ min: 0, max: 24_000 }),
          fc.constantFrom('x', 'ø', '🚨', '\\u0000'),
          (event, target, unit) => {
            const entries = withoutEntry(event.entries, 'pad');
            const room = Math.max(0, target - Buffer.byteLength(objectText([...entries, ['pad', '""']])));
            const padding = unit.repeat(Math.ceil(room / Buffer.byteLength(unit)));
            const text = objectText([...entries, ['pad', `"${padding}"`]]);
            const bytes = bytesOf(text);
            const result = validate(bytes);
            expectWellFormed(result);
            if (bytes.byteLength > MAX_DEVICE_EVENT_BYTES) {
              expect(rejectionOf(result)).toEqual({
                reason: 'payload_too_large',
                detail: expect.stringContaining(String(bytes.byteLength)),
              });
            } else {
              expect(result.ok).toBe(true);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('valid events of every contract type are accepted, exactly as sent', () => {
    it('accepts every valid event, also with device clocks far in the past or future, and keeps it unchanged', () => {
      fc.assert(
        fc.property(validEvent, (event) => {
          const text = objectText(event.entries);
          fc.pre(Buffer.byteLength(text) <= MAX_DEVICE_EVENT_BYTES);
          const result = validate(text);
          if (!result.ok) throw new Error(`refused a valid event ${text}: ${JSON.stringify(result.rejection)}`);
          expect(result.deviceId).toBe(DEVICE_ID);
          expect(result.event).toEqual(JSON.parse(text));
          expect(JSON.stringify(result.event)).toBe(JSON.stringify(JSON.parse(text)));
        }),
        { numRuns: 2500 },
      );
    });

    it('gives every valid stamp its instant (clamped to year 1), far past and far future alike', () => {
      fc.assert(
        fc.property(fc.oneof(rfc3339Stamp, leapSecondStamp), (stamp) => {
          expect(
            validate(
              objectText([
                ['id', '"t1"'],
                ['type', '"alarm.button"'],
                ['time', jsonText(stamp.text)],
              ]),
            ).ok,
          ).toBe(true);
          const instant = deviceTimeInstant(stamp.text).getTime();
          expect(instant).toBe(Math.max(stamp.instant, FIRST_STORABLE));
        }),
        { numRuns: 1500 },
      );
    });
  });

  describe('one field made wrong makes a valid event refused, with the reason and the field', () => {
    type Mutation = { entries: Entry[]; reason: string; field?: string; label: string };

    const nonString = fc.oneof(
      fc
        .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
        .map(jsonText),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }).map(jsonText),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }).map(jsonText),
      fc.constantFrom('1e400', '-1e400', '8640000000000000', '-8640000000000000', '-0'),
    );
    const nonNumber = fc.oneof(
      fc.constantFrom(
        '"NaN"',
        '"Infinity"',
        '"-Infinity"',
        '"59.9"',
        '""',
        'null',
        'true',
        'false',
        '[]',
        '{}',
        '[1]',
        '{"value":1}',
      ),
      fc.string({ maxLength: 10 }).map(jsonText),
    );
    const badIdentifier = fc.oneof(
      fc.constant('""'),
      fc.string({ unit: fc.constantFrom(...ID_CHARS.split('')), minLength: 65, maxLength: 200 }).map(jsonText),
      fc
        .tuple(
          identifier,
          fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }).filter((s) => /[^A-Za-z0-9._:-]/.test(s)),
          fc.nat(),
        )
        .map(([id, bad, at]) =>
          jsonText(`${id.slice(0, at % (id.length + 1))}${bad}${id.slice(at % (id.length + 1))}`.slice(0, 64)),
        )
        .filter((text) => !IDENTIFIER.test(JSON.parse(text) as string)),
    );

    /** Strings that are not RFC 3339 date-times (or are out of its range): refused, never guessed at. */
    const badTime = fc.oneof(
      fc.constantFrom(
        '',
        'NaN',
        'Infinity',
        '-Infinity',
        'now',
        'yesterday',
        '1763890000',
        '2026-11-23',
        '10:00:00Z',
        'null',
        '2026-11-23T10:00:00',
        '2026-11-23T10:00:00.Z',
      ),
      // Far beyond RFC 3339's four-digit years, either way (JavaScript's extended years).
      fc.constantFrom(
        '+275760-09-13T00:00:00Z',
        '-271821-04-20T00:00:00Z',
        '10000-01-01T00:00:00Z',
        '-0001-01-01T00:00:00Z',
        '99999-12-31T23:59:59Z',
        '0-01-01T00:00:00Z',
      ),
      fc
        .record({
          date: calendarDate,
          kind: fc.constantFrom(
            'month',
            'day',
            'hour',
            'minute',
            'second',
            'offsetHour',
            'offsetMinute',
            'noOffset',
            'separator',
            'leap',
          ),
          n: fc.nat(),
        })
        .map(({ date, kind, n }) => {
          const y = pad(date.year, 4);
          const [mo, d] = [pad(date.month), pad(date.day)];
          switch (kind) {
            case 'month':
              return `${y}-${pad([0, 13, 19, 99][n % 4])}-${d}T10:00:00Z`;
            case 'day':
              return `${y}-${mo}-${pad(n % 2 === 0 ? 0 : daysIn(date.year, date.month) + 1 + (n % (99 - daysIn(date.year, date.month))))}T10:00:00Z`;
            case 'hour':
              return `${y}-${mo}-${d}T${pad(24 + (n % 76))}:00:00Z`;
            case 'minute':
              return `${y}-${mo}-${d}T10:${pad(60 + (n % 40))}:00Z`;
            case 'second':
              return `${y}-${mo}-${d}T10:00:${pad(61 + (n % 39))}Z`;
            case 'offsetHour':
              return `${y}-${mo}-${d}T10:00:00+${pad(24 + (n % 76))}:00`;
            case 'offsetMinute':
              return `${y}-${mo}-${d}T10:00:00-01:${pad(60 + (n % 40))}`;
            case 'noOffset':
              return `${y}-${mo}-${d}T10:00:00.${n % 1000}`;
            case 'separator':
              return `${y}-${mo}-${d}${['', '_', 'X', '/', 'TT'][n % 5]}10:00:00Z`;
            default:
              // A leap second anywhere but at 23:59 UTC.
              return `${y}-${mo}-${d}T${pad(n % 23)}:${pad(n % 59)}:60Z`;
          }
        }),
    );

    function mutationsOf(event: ValidEvent): fc.Arbitrary<Mutation> {
      const { type, entries } = event;
      const set = (key: string, value: string) => withEntry(entries, key, value);
      const options: fc.Arbitrary<Mutation>[] = [
        nonString.map((v) => ({
          entries: set('id', v),
          reason: 'invalid_field',
          field: 'id',
          label: 'id not a string',
        })),
        badIdentifier.map((v) => ({
          entries: set('id', v),
          reason: 'invalid_field',
          field: 'id',
          label: 'id not an identifier',
        })),
        fc.constant({
          entries: withoutEntry(entries, 'id'),
          reason: 'invalid_field',
          field: 'id',
          label: 'id missing',
        }),
        nonString.map((v) => ({
          entries: set('type', v),
          reason: 'invalid_field',
          field: 'type',
          label: 'type not a string',
        })),
        fc
          .oneof(
            fc.string({ maxLength: 100 }),
            fc.constantFrom(...POLLUTION_KEYS, 'ALARM.BUTTON', 'alarm.button ', 'alarm_button', ''),
          )
          .filter((t) => !(DEVICE_EVENT_TYPES as readonly string[]).includes(t))
          .map((t) => ({ entries: set('type', jsonText(t)), reason: 'unknown_type', label: 'type unknown' })),
        fc.constant({
          entries: withoutEntry(entries, 'type'),
          reason: 'invalid_field',
          field: 'type',
          label: 'type missing',
        }),
        nonString.map((v) => ({
          entries: set('time', v),
          reason: 'invalid_field',
          field: 'time',
          label: 'time not a string',
        })),
        badTime.map((t) => ({
          entries: set('time', jsonText(t)),
          reason: 'invalid_field',
          field: 'time',
          label: `time ${t}`,
        })),
        fc.constant({
          entries: withoutEntry(entries, 'time'),
          reason: 'invalid_field',
          field: 'time',
          label: 'time missing',
        }),
        fc.oneof(identifier.filter((id) => id !== DEVICE_ID).map(jsonText), nonString).map((v) => ({
          entries: set('deviceId', v),
          reason: 'device_mismatch',
          label: 'deviceId of another device',
        })),
        fc.constantFrom('NaN', 'Infinity', '-Infinity', 'undefined').map((v) => ({
          entries: [...entries, ['extra', v] as Entry],
          reason: 'invalid_json',
          label: `bare ${v} in an extra field`,
        })),
      ];
      for (const [field, min, max, required] of NUMBER_FIELDS[type] ?? []) {
        const outOfRange = fc
          .oneof(
            fc.double({ min: max, noNaN: true, noDefaultInfinity: true }),
            fc.double({ max: min, noNaN: true, noDefaultInfinity: true }),
          )
          .filter((v) => v < min || v > max); // not -0 either: it is written as 0
        options.push(
          outOfRange.map((v) => ({
            entries: set(field, jsonText(v)),
            reason: 'invalid_field',
            field,
            label: `${field} out of range`,
          })),
          fc
            .constantFrom('1e400', '-1e400', '1e309')
            .map((v) => ({ entries: set(field, v), reason: 'invalid_field', field, label: `${field} infinite` })),
          fc
            .constantFrom('NaN', 'Infinity', '-Infinity')
            .map((v) => ({ entries: set(field, v), reason: 'invalid_json', label: `${field} bare ${v}` })),
          nonNumber.map((v) => ({
            entries: set(field, v),
            reason: 'invalid_field',
            field,
            label: `${field} not a number`,
          })),
        );
        if (required)
          options.push(
            fc.constant({
              entries: withoutEntry(entries, field),
              reason: 'invalid_field',
              field,
              label: `${field} missing`,
            }),
          );
      }
      if (type === 'alarm.cancelled') {
        options.push(
          fc
            .oneof(badIdentifier, nonString)
            .map((v) => ({ entries: set('ref', v), reason: 'invalid_field', field: 'ref', label: 'ref bad' })),
          fc.constant({
            entries: withoutEntry(entries, 'ref'),
            reason: 'invalid_field',
            field: 'ref',
            label: 'ref missing',
          }),
        );
      }
      if (type === 'door.opened' || type === 'door.closed') {
        options.push(
          nonString.map((v) => ({
            entries: set('door', v),
            reason: 'invalid_field',
            field: 'door',
            label: 'door not a string',
          })),
        );
      }
      return fc.oneof(...options);
    }

    it('refuses each kind of wrong field with its reason, naming the field', () => {
      fc.assert(
        fc.property(
          validEvent.chain((event) => mutationsOf(event).map((mutation) => ({ event, mutation }))),
          ({ mutation }) => {
            const text = objectText(mutation.entries);
            fc.pre(Buffer.byteLength(text) <= MAX_DEVICE_EVENT_BYTES);
            const result = validate(text);
            expectWellFormed(result);
            const rejection = rejectionOf(result);
            expect({ label: mutation.label, reason: rejection.reason }).toEqual({
              label: mutation.label,
              reason: mutation.reason,
            });
            if (mutation.field) expect(rejection.detail).toContain(`"${mutation.field}"`);
          },
        ),
        { numRuns: 3000 },
      );
    });
  });

  describe('what the ingestor accepts, the response centre can store', () => {
    /**
     * The response centre turns event.time into a timestamp with deviceTimeInstant (for the
     * alarm's triggeredAt and the history's occurredAt). If that throws, the intake fails every
     * attempt and the event is dead-lettered as processing_failed: an accepted alarm lost after
     * the ingestor said yes. So every time string the validator accepts must convert.
     */
    it('every time string the validator accepts has an instant', () => {
      const lenientStamp = fc
        .record({
          date: calendarDate,
          clock: fc.tuple(
            fc.integer({ min: 0, max: 23 }),
            fc.integer({ min: 0, max: 59 }),
            fc.integer({ min: 0, max: 59 }),
          ),
          separator: fc.constantFrom('T', 't', ' ', '\t', '\n', '\u00a0', '\u2003', '\ufeff'),
          zone: fc.oneof(
            fc.constantFrom('Z', 'z'),
            fc
              .record({
                sign: fc.constantFrom('+', '-'),
                h: fc.integer({ min: 0, max: 23 }),
                m: fc.integer({ min: 0, max: 59 }),
                style: fc.constantFrom('HH:MM', 'HHMM', 'HH'),
              })
              .map(({ sign, h, m, style }) =>
                style === 'HH:MM'
                  ? `${sign}${pad(h)}:${pad(m)}`
                  : style === 'HHMM'
                    ? `${sign}${pad(h)}${pad(m)}`
                    : `${sign}${pad(h)}`,
              ),
          ),
        })
        .map(
          ({ date, clock, separator, zone }) =>
            `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}${separator}${clock.map((n) => pad(n)).join(':')}${zone}`,
        );
      fc.assert(
        fc.property(lenientStamp, (time) => {
          const accepted = validate(
            objectText([
              ['id', '"t1"'],
              ['type', '"alarm.button"'],
              ['time', jsonText(time)],
            ]),
          ).ok;
          if (!accepted) return;
          let instant: number;
          try {
            instant = deviceTimeInstant(time).getTime();
          } catch (error) {
            throw new Error(
              `the validator accepts time ${JSON.stringify(time)} but deviceTimeInstant throws: ${(error as Error).message}`,
              { cause: error },
            );
          }
          expect(Number.isFinite(instant)).toBe(true);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('accepted events survive the Kafka encoding', () => {
    it('a device-event record of every accepted event round-trips through encodeRecord and decodeDeviceEventRecord', () => {
      fc.assert(
        fc.property(
          validEvent,
          fc.date({
            min: new Date('2000-01-01T00:00:00Z'),
            max: new Date('2100-01-01T00:00:00Z'),
            noInvalidDate: true,
          }),
          (event, receivedAt) => {
            const text = objectText(event.entries);
            fc.pre(Buffer.byteLength(text) <= MAX_DEVICE_EVENT_BYTES);
            const result = validate(text);
            if (!result.ok) throw new Error(`refused a valid event ${text}`);
            const record: DeviceEventRecord = {
              v: 1,
              deviceId: result.deviceId,
              receivedAt: receivedAt.toISOString(),
              event: result.event,
            };
            const decoded = decodeDeviceEventRecord(encodeRecord(record));
            if ('reason' in decoded)
              throw new Error(`the record of an accepted event did not decode: ${JSON.stringify(decoded)}`);
            // The same JSON; the only change JSON itself makes is -0 (a valid literal) read back as 0.
            expect(JSON.stringify(decoded)).toBe(JSON.stringify(record));
            expect(decoded).toEqual(JSON.parse(JSON.stringify(record)));
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('a dead-letter record keeps the raw bytes of any message losslessly', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }).map(bytesOf)),
          (bytes) => {
            const result = validate(bytes);
            if (result.ok) return;
            const record: DeadLetterRecord = {
              v: 1,
              source: 'ingestor',
              reason: result.rejection.reason,
              detail: result.rejection.detail,
              deviceId: result.deviceId,
              receivedAt: '2026-11-23T10:00:00.000Z',
              origin: { kind: 'mqtt', topic: TOPIC },
              payload: rawPayload(bytes),
            };
            const decoded = JSON.parse(encodeRecord(record).toString('utf8')) as DeadLetterRecord;
            expect(decoded).toEqual(record);
            const back =
              decoded.payload.encoding === 'utf8'
                ? bytesOf(decoded.payload.data)
                : Buffer.from(decoded.payload.data, 'base64');
            expect(back.equals(Buffer.from(bytes))).toBe(true);
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('a device-command record of either command round-trips', () => {
      const command = fc.oneof(
        fc.record({ type: fc.constant('alarm.received' as const), ref: identifier, alarmId: fc.uuid({ version: 4 }) }),
        fc.record({ type: fc.constant('alarm.acknowledged' as const), alarmId: fc.uuid({ version: 4 }) }),
      );
      fc.assert(
        fc.property(
          identifier,
          command,
          fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2200-01-01T00:00:00Z') }),
          (deviceId, command, issuedAt) => {
            const record: DeviceCommandRecord = { v: 1, deviceId, issuedAt: issuedAt.toISOString(), command };
            expect(decodeDeviceCommandRecord(encodeRecord(record))).toEqual(record);
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  describe('the Kafka record decoders never throw on what a topic may hold', () => {
    const RECORD_REASONS = ['invalid_json', 'invalid_field', 'not_an_object', 'unknown_type'];
    const expectRefusalOrRecord = (decoded: object) => {
      if ('reason' in decoded) {
        const refusal = decoded as unknown as { reason: string; detail: string };
        expect(RECORD_REASONS).toContain(refusal.reason);
        expect(refusal.detail).toMatch(/\S/);
      }
    };
    const recordLike = (fields: Record<string, fc.Arbitrary<string>>) =>
      fc
        .array(fc.tuple(fc.constantFrom(...Object.keys(fields), ...POLLUTION_KEYS), fc.nat()), { maxLength: 7 })
        .chain((picks) =>
          fc.tuple(
            ...picks.map(([key]) =>
              (Object.prototype.hasOwnProperty.call(fields, key)
                ? fields[key]
                : fc.jsonValue({ maxDepth: 2 }).map(jsonText)
              ).map((value): Entry => [key, value]),
            ),
          ),
        )
        .map(objectText);
    const anyValue = fc.oneof(
      fc.constant(null),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', maxLength: 200 }).map(bytesOf),
      fc.jsonValue({ maxDepth: 4 }).map((value) => bytesOf(JSON.stringify(value))),
    );

    it('decodeDeviceEventRecord: a refusal with a reason, or a record whose event keeps the contract', () => {
      const eventText = fc.oneof(
        validEvent.map((event) => objectText(event.entries)),
        fc.jsonValue({ maxDepth: 3 }).map(jsonText),
      );
      const value = fc.oneof(
        anyValue,
        recordLike({
          v: fc.constantFrom('1', '2', '"1"', 'null', '1e400'),
          deviceId: fc.oneof(identifier.map(jsonText), fc.jsonValue({ maxDepth: 1 }).map(jsonText)),
          receivedAt: fc.oneof(
            rfc3339Stamp.map((s) => jsonText(s.text)),
            fc.jsonValue({ maxDepth: 1 }).map(jsonText),
          ),
          event: eventText,
        }).map(bytesOf),
      );
      fc.assert(
        fc.property(value, (value) => {
          const decoded = decodeDeviceEventRecord(value);
          expectRefusalOrRecord(decoded);
          if (!('reason' in decoded)) {
            expect(decoded.v).toBe(1);
            expect(decoded.deviceId).toMatch(IDENTIFIER);
            expect(Number.isNaN(Date.parse(decoded.receivedAt))).toBe(false);
            const revalidated = validate(JSON.stringify(decoded.event), `devices/${decoded.deviceId}/events`);
            expect(revalidated.ok || (!revalidated.ok && revalidated.rejection.reason === 'device_mismatch')).toBe(
              true,
            );
          }
        }),
        { numRuns: 1500 },
      );
    });

    it('decodeDeviceCommandRecord: a refusal with a reason, or a record with a valid device id and a known command type', () => {
      const value = fc.oneof(
        anyValue,
        recordLike({
          v: fc.constantFrom('1', '2', 'null'),
          deviceId: fc.oneof(identifier.map(jsonText), fc.jsonValue({ maxDepth: 1 }).map(jsonText)),
          issuedAt: fc.jsonValue({ maxDepth: 1 }).map(jsonText),
          command: fc.oneof(
            fc.constantFrom(
              '{"type":"alarm.received","ref":"e1","alarmId":"a1"}',
              '{"type":"alarm.acknowledged","alarmId":"a1"}',
              '{"type":"reboot"}',
              '{"type":"__proto__"}',
              'null',
              '[]',
            ),
            fc.jsonValue({ maxDepth: 2 }).map(jsonText),
          ),
        }).map(bytesOf),
      );
      fc.assert(
        fc.property(value, (value) => {
          const decoded = decodeDeviceCommandRecord(value);
          expectRefusalOrRecord(decoded);
          if (!('reason' in decoded)) {
            expect(decoded.v).toBe(1);
            expect(decoded.deviceId).toMatch(IDENTIFIER);
            expect(['alarm.received', 'alarm.acknowledged']).toContain(decoded.command.type);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});
