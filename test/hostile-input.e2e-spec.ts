import { randomBytes } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { DEVICE_EVENT_TOPICS, DeviceEventType, KafkaTopics } from '@welfare/contracts';
import { alarmPriorityFor, ruleFor } from '../apps/response-centre/src/alarms/alarm-rules';
import { eventually } from './support/eventually';
import { KafkaTap, TappedRecord } from './support/kafka-tap';
import { MqttClient } from 'mqtt';
import { connectAnyDevicePublisher, ingestorBrokerEnv } from './support/broker-access';
import { onboardFleet } from './support/device-fleet';
import { RunningService, startIngestor, startRegistry, startResponseCentre } from './support/running-services';
import { SimulatedDevice } from './support/simulated-device';
import { createTestDatabase } from './support/test-database';
import { testInfra, uniqueName } from './support/test-infra';
import { operatorToken } from './support/tokens';

/*
 * Hostile device input over real connections: a shuffled burst of garbage MQTT messages mixed
 * with valid events from several devices, through Mosquitto, the ingestor, Kafka and the
 * response centre on PostgreSQL. Every message carries a marker (in its payload or its topic),
 * so each one is counted on the topic where it must be, and nowhere else.
 */

/** What the response centre's rules do with a valid event of this type (alarm-rules.ts). */
function reachesAlarm(type: DeviceEventType): boolean | 'maybe' {
  const rule = ruleFor(type);
  if (rule.action === 'open') return true;
  return rule.action === 'keep' ? false : 'maybe';
}

type Expectation =
  /** alarm: the event must reach an alarm (new, or attached as a repeat), must not, or may (a clearance or cancellation, depending on what came before it in the shuffle). */
  | {
      kind: 'valid';
      deviceId: string;
      eventId: string;
      alarm: boolean | 'maybe';
      event: Record<string, unknown>;
      triggeredAt?: string;
    }
  | { kind: 'bad'; reason: string; deviceId: string | null; lossless: boolean }
  | { kind: 'ignored' };

interface Message {
  index: number;
  label: string;
  device: SimulatedDevice;
  topic: string;
  payload: Buffer;
  expect: Expectation;
}

interface DeadLetterJson {
  source: string;
  reason: string;
  detail: string;
  deviceId: string | null;
  origin: { kind: string; topic: string };
  payload: { encoding: 'utf8' | 'base64'; data: string };
}

interface HistoryJson {
  eventId: string;
  type: string;
  alarmId: string | null;
  payload: Record<string, unknown>;
}

interface AlarmDetailJson {
  id: string;
  deviceId: string;
  triggerEventId: string;
  triggerType: string;
  state: string;
  priority: number;
  triggeredAt: string;
  triggerEvent: Record<string, unknown> | null;
  log: { step: string; details?: Record<string, unknown> }[];
}

const DEVICES = 4;
const GENEROUS = 180_000;

/** Small seeded generator, so a failing shuffle can be replayed (the seed is in the test name). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`hostile device input over MQTT, Kafka and PostgreSQL (seed ${SEED})`, () => {
  const token = Math.random().toString(36).slice(2, 8);
  const mark = (index: number) => `m-${token}-${index}-m`;
  const markers = new RegExp(`m-${token}-(\\d+)-m`, 'g');
  const ingestorClientId = uniqueName('hostile-ingestor');

  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let ingestor: RunningService;
  let registryDatabase: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let devices: SimulatedDevice[] = [];
  /**
   * Signed-in devices may publish only on their own topic. Messages on any other topic (bad
   * device ids, ids that carry a marker) come from the test-only account allowed on every
   * devices/+/events: what a broker with lax ACLs would let through. The broker's own refusals
   * are tested with real device credentials in device-trust.e2e-spec.ts.
   */
  let publisher: MqttClient;
  /** The centre serving the fleet: its operators see the fleet's alarms. */
  let centreId: string;
  let events: KafkaTap;
  let deadLetters: KafkaTap;

  beforeAll(async () => {
    [database, registryDatabase] = await Promise.all([
      createTestDatabase('hostile'),
      createTestDatabase('hostile-registry'),
    ]);
    [centre, ingestor, registry] = await Promise.all([
      startResponseCentre(database.url),
      startIngestor({ MQTT_CLIENT_ID: ingestorClientId }),
      startRegistry(registryDatabase.url),
    ]);
    [events, deadLetters] = await Promise.all([
      KafkaTap.open(DEVICE_EVENT_TOPICS),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter),
    ]);
    const fleet = await onboardFleet(
      registry.url,
      Array.from({ length: DEVICES }, (_, i) => uniqueName(`hostile-dev${i}`)),
    );
    centreId = fleet.centreId;
    devices = await Promise.all(
      fleet.devices.map(({ deviceId, secret }) => SimulatedDevice.connect(testInfra().mqttUrl, deviceId, secret)),
    );
    publisher = await connectAnyDevicePublisher();
  }, GENEROUS);

  afterAll(async () => {
    await Promise.allSettled([
      ...devices.map((device) => device.close()),
      publisher?.endAsync(),
      events?.close(),
      deadLetters?.close(),
    ]);
    await registry?.close();
    await registryDatabase?.drop();
    // The ingestor's shutdown ends by itself even behind a stuck message (it cuts the MQTT socket after 5 s).
    await Promise.allSettled([ingestor?.close(), centre?.close()]);
    // The ingestor's persistent session would otherwise stay on the broker (a shared one, when the run uses the system's), queueing every device's events.
    await connectAsync(testInfra().mqttUrl, {
      clientId: ingestorClientId,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...brokerLogin(ingestorBrokerEnv()),
    })
      .then((client) => client.endAsync())
      .catch(() => undefined);
    await database?.drop();
  }, GENEROUS);

  const get = async <T>(url: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${await operatorToken(centreId, 'op-hostile')}` },
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };

  /** Every index whose marker appears in the record: in its topic, its key or its (raw) payload. */
  function markersIn(record: TappedRecord): Set<number> {
    const value = record.value as Partial<DeadLetterJson>;
    const texts = [record.raw, record.key ?? ''];
    if (value.payload?.encoding === 'base64') texts.push(Buffer.from(value.payload.data, 'base64').toString('latin1'));
    return new Set(texts.flatMap((text) => [...text.matchAll(markers)].map((match) => Number(match[1]))));
  }

  function recordsByMarker(tap: KafkaTap): Map<number, TappedRecord[]> {
    const found = new Map<number, TappedRecord[]>();
    for (const record of tap.records) {
      for (const index of markersIn(record)) found.set(index, [...(found.get(index) ?? []), record]);
    }
    return found;
  }

  const rawBytes = (payload: DeadLetterJson['payload']) =>
    payload.encoding === 'base64' ? Buffer.from(payload.data, 'base64') : Buffer.from(payload.data, 'utf8');

  async function readiness(): Promise<number> {
    return (await fetch(`${ingestor.url}/health/ready`)).status;
  }

  async function historyOf(deviceId: string): Promise<HistoryJson[]> {
    const answer = await get<HistoryJson[]>(`${centre.url}/api/devices/${deviceId}/events?limit=500`);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  function metric(text: string, name: string, label: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const value = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1];
      if (value !== undefined) counts[value] = Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return counts;
  }

  /** The burst: every kind of garbage the contract names, mixed with valid events of every type. */
  function buildBurst(): Message[] {
    const messages: Message[] = [];
    const now = () => new Date().toISOString();
    const utf8 = (text: string) => Buffer.from(text, 'utf8');
    const deviceFor = (index: number) => devices[index % devices.length];
    const ownTopic = (device: SimulatedDevice) => `devices/${device.deviceId}/events`;

    const add = (
      label: string,
      build: (
        m: string,
        device: SimulatedDevice,
        index: number,
      ) => { topic?: string; payload: Buffer | string; expect: Expectation },
    ) => {
      const index = messages.length;
      const device = deviceFor(index);
      const built = build(mark(index), device, index);
      messages.push({
        index,
        label,
        device,
        topic: built.topic ?? ownTopic(device),
        payload: typeof built.payload === 'string' ? utf8(built.payload) : built.payload,
        expect: built.expect,
      });
    };
    const valid = (
      label: string,
      type: string,
      build: (m: string, device: SimulatedDevice) => string | Buffer,
      triggeredAt?: string,
    ) =>
      add(label, (m, device) => {
        const payload = build(m, device);
        const text = (typeof payload === 'string' ? utf8(payload) : payload).toString('utf8').replace(/^\ufeff/, '');
        const event = JSON.parse(text) as Record<string, unknown>;
        return {
          payload,
          expect: {
            kind: 'valid',
            deviceId: device.deviceId,
            eventId: event.id as string,
            alarm: reachesAlarm(type as DeviceEventType),
            event,
            triggeredAt,
          },
        };
      });
    const bad = (
      label: string,
      reason: string,
      build: (m: string, device: SimulatedDevice) => string | Buffer,
      options: { topic?: (m: string, device: SimulatedDevice) => string; lossless?: boolean } = {},
    ) =>
      add(label, (m, device) => {
        const topic = options.topic?.(m, device);
        const topicDevice = topic ? /^devices\/([^/]+)\/events$/.exec(topic)?.[1] : device.deviceId;
        return {
          topic,
          payload: build(m, device),
          expect: {
            kind: 'bad',
            reason,
            deviceId: reason === 'invalid_topic' ? null : (topicDevice ?? null),
            lossless: options.lossless ?? true,
          },
        };
      });
    /** A topic of its own for payloads that cannot carry a marker (`42`, `null`, an empty payload). */
    const markedDevice = (m: string) => `devices/${m}/events`;
    const event = (m: string, fields: Record<string, unknown>) =>
      JSON.stringify({ id: `e-${m}`, type: 'alarm.button', time: now(), ...fields });
    const deep = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

    for (let round = 0; round < 3; round++) {
      // ---- valid: ordinary alarms, and alarms at the edges of the contract
      for (let i = 0; i < 50; i++) {
        valid('alarm.button', 'alarm.button', (m) =>
          JSON.stringify({ id: `btn-${m}`, type: 'alarm.button', time: now() }),
        );
        valid('fall.detected', 'fall.detected', (m) =>
          JSON.stringify({ id: `fall-${m}`, type: 'fall.detected', time: now(), confidence: [0, 1, 0.5][i % 3] }),
        );
      }
      valid(
        'prototype keys, NUL, lone surrogate and Unicode kept as sent',
        'alarm.button',
        (m) =>
          `{"id":"pp-${m}","type":"alarm.button","time":"${now()}","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},` +
          `"note":"Ærlig talt – ÅØ 🚨","nul":"a\\u0000b","lone":"\\ud800","nested":[[{"a":[]}]]}`,
      );
      valid(
        'device clock in year 0000',
        'alarm.button',
        (m) => JSON.stringify({ id: `past-${m}`, type: 'alarm.button', time: '0000-01-01T00:00:00+23:59' }),
        '0001-01-01T00:00:00.000Z',
      );
      valid(
        'device clock at the end of year 9999',
        'fall.detected',
        (m) => JSON.stringify({ id: `future-${m}`, type: 'fall.detected', time: '9999-12-31T23:59:59-23:59' }),
        '+010000-01-01T23:58:59.000Z',
      );
      valid(
        'leap second',
        'alarm.button',
        (m) => JSON.stringify({ id: `leap-${m}`, type: 'alarm.button', time: '2016-12-31T23:59:60Z' }),
        '2016-12-31T23:59:59.999Z',
      );
      valid(
        'lower-case z, space separator, microseconds',
        'alarm.button',
        (m) => JSON.stringify({ id: `lc-${m}`, type: 'alarm.button', time: '2026-11-23 10:00:00.123456z' }),
        '2026-11-23T10:00:00.123Z',
      );
      valid(
        'the epoch',
        'fall.detected',
        (m) => JSON.stringify({ id: `epoch-${m}`, type: 'fall.detected', time: '1970-01-01T00:00:00Z' }),
        '1970-01-01T00:00:00.000Z',
      );
      valid('exactly 8 KiB', 'fall.detected', (m) => {
        const base = JSON.stringify({ id: `full-${m}`, type: 'fall.detected', time: now(), pad: '' });
        return base.replace('"pad":""', `"pad":"${'x'.repeat(8192 - Buffer.byteLength(base))}"`);
      });
      valid(
        'nested 3000 levels deep',
        'alarm.button',
        (m) => `{"id":"deep-${m}","type":"alarm.button","time":"${now()}","x":${deep(3000)}}`,
      );
      valid('claims its own device id', 'alarm.button', (m, device) =>
        JSON.stringify({ id: `own-${m}`, type: 'alarm.button', time: now(), deviceId: device.deviceId }),
      );
      valid('a UTF-8 byte-order mark first', 'alarm.button', (m) =>
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          utf8(JSON.stringify({ id: `bom-${m}`, type: 'alarm.button', time: now() })),
        ]),
      );
      valid(
        'duplicate keys (the last one counts)',
        'alarm.button',
        (m) => `{"id":"decoy","type":"heartbeat","id":"dup-${m}","type":"alarm.button","time":"${now()}"}`,
      );
      valid('heartbeat', 'heartbeat', (m) =>
        JSON.stringify({ id: `hb-${m}`, type: 'heartbeat', time: now(), battery: 100 }),
      );
      valid('gps at the corner of the map', 'gps.position', (m) =>
        JSON.stringify({ id: `gps-${m}`, type: 'gps.position', time: now(), lat: -90, lon: 180, accuracy: 0 }),
      );
      valid('battery.low at 0', 'battery.low', (m) =>
        JSON.stringify({ id: `bat-${m}`, type: 'battery.low', time: now(), battery: 0 }),
      );
      valid('door.opened', 'door.opened', (m) =>
        JSON.stringify({ id: `door-${m}`, type: 'door.opened', time: now(), door: 'bakdør' }),
      );
      valid('alarm.cancelled', 'alarm.cancelled', (m) =>
        JSON.stringify({ id: `cancel-${m}`, type: 'alarm.cancelled', time: now(), ref: `btn-${m}` }),
      );
      valid('power.lost', 'power.lost', (m) => JSON.stringify({ id: `pl-${m}`, type: 'power.lost', time: now() }));

      // ---- invalid_utf8
      for (const [name, bytes] of [
        ['0xff', [0xff]],
        ['overlong', [0xc0, 0xaf]],
        ['UTF-16 surrogate as UTF-8', [0xed, 0xa0, 0x80]],
        ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
        ['truncated', [0xe2, 0x82]],
      ] as const) {
        bad(`invalid UTF-8 (${name}) in a string`, 'invalid_utf8', (m) =>
          Buffer.concat([
            utf8(`{"id":"u8-${m}","type":"alarm.button","time":"${now()}","x":"`),
            Buffer.from(bytes),
            utf8('"}'),
          ]),
        );
      }
      bad('binary garbage', 'invalid_utf8', (m) =>
        Buffer.concat([randomBytes(64), utf8(m), Buffer.from([0xfe, 0xff]), randomBytes(64)]),
      );

      // ---- invalid_json
      for (const [name, text] of [
        ['prose', (m: string) => `not json ${m}`],
        ['truncated', (m: string) => `{"id":"tr-${m}","type":"alarm.button"`],
        ['trailing comma', (m: string) => `{"id":"tc-${m}","type":"alarm.button","time":"${now()}",}`],
        ['single quotes', (m: string) => `{'id':'sq-${m}','type':'alarm.button','time':'${now()}'}`],
        [
          'bare NaN coordinate',
          (m: string) => `{"id":"nan-${m}","type":"gps.position","time":"${now()}","lat":NaN,"lon":10}`,
        ],
        [
          'bare Infinity coordinate',
          (m: string) => `{"id":"inf-${m}","type":"gps.position","time":"${now()}","lat":59,"lon":-Infinity}`,
        ],
        ['undefined', (m: string) => `{"id":"und-${m}","type":"alarm.button","time":"${now()}","x":undefined}`],
        ['a comment', (m: string) => `{"id":"cm-${m}",/* hi */"type":"alarm.button","time":"${now()}"}`],
        ['two objects', (m: string) => `{"id":"two-${m}","type":"alarm.button","time":"${now()}"}{"id":"x"}`],
        ['unbalanced, 5000 deep', (m: string) => `{"id":"ub-${m}","x":${'['.repeat(5000)}`],
      ] as const) {
        bad(`not JSON: ${name}`, 'invalid_json', text);
      }
      bad('empty payload', 'invalid_json', () => Buffer.alloc(0), { topic: markedDevice });
      bad('whitespace only', 'invalid_json', () => ' \n\t ', { topic: markedDevice });

      // ---- not_an_object
      bad(
        'an array holding a valid event',
        'not_an_object',
        (m) => `[${JSON.stringify({ id: `arr-${m}`, type: 'alarm.button', time: now() })}]`,
      );
      bad('a JSON string', 'not_an_object', (m) => JSON.stringify(m));
      bad('nested arrays 3000 deep', 'not_an_object', (m) => deep(3000, JSON.stringify(m)));
      for (const text of ['42', 'null', 'true', '[]', '-0', '1e400'])
        bad(`JSON ${text}`, 'not_an_object', () => text, { topic: markedDevice });

      // ---- unknown_type
      for (const type of [
        'alarm.pressed',
        'ALARM.BUTTON',
        '__proto__',
        'constructor',
        'toString',
        '',
        'alarm.button\u0000',
        'x'.repeat(5000),
      ]) {
        bad(`unknown type ${JSON.stringify(type.slice(0, 20))}`, 'unknown_type', (m) => event(m, { type }));
      }

      // ---- invalid_field
      for (const [name, build] of [
        ['no id', (m: string) => JSON.stringify({ type: 'alarm.button', time: now(), m })],
        ['numeric id', (m: string) => JSON.stringify({ id: 123, type: 'alarm.button', time: now(), m })],
        [
          'id of 65 characters',
          (m: string) => JSON.stringify({ id: 'a'.repeat(65), type: 'alarm.button', time: now(), m }),
        ],
        [
          'id of 7000 characters',
          (m: string) => JSON.stringify({ id: `${m}${'a'.repeat(7000)}`, type: 'alarm.button', time: now() }),
        ],
        ['id with a slash', (m: string) => JSON.stringify({ id: `a/${m}`, type: 'alarm.button', time: now() })],
        ['id with a space', (m: string) => JSON.stringify({ id: `a ${m}`, type: 'alarm.button', time: now() })],
        ['no time', (m: string) => JSON.stringify({ id: `nt-${m}`, type: 'alarm.button' })],
        ['numeric type', (m: string) => JSON.stringify({ id: `nt-${m}`, type: 1, time: now() })],
        ['type in an array', (m: string) => JSON.stringify({ id: `ta-${m}`, type: ['alarm.button'], time: now() })],
        ['no time, nested 3000 deep', (m: string) => `{"id":"ntd-${m}","type":"alarm.button","x":${deep(3000)}}`],
      ] as const) {
        bad(`invalid field: ${name}`, 'invalid_field', build);
      }
      for (const time of [
        'NaN',
        'Infinity',
        '',
        '2026-11-23T10:00:00',
        '2026-02-30T10:00:00Z',
        '10000-01-01T00:00:00Z',
        '+275760-09-13T00:00:00Z',
        '-000001-01-01T00:00:00Z',
        1763890000,
        -8.64e15,
        null,
        true,
      ]) {
        bad(`invalid time ${JSON.stringify(time)}`, 'invalid_field', (m) => event(m, { time }));
      }
      for (const [name, fields] of [
        ['latitude "NaN"', { type: 'gps.position', lat: 'NaN', lon: 10 }],
        ['latitude null', { type: 'gps.position', lat: null, lon: 10 }],
        ['latitude 90.000001', { type: 'gps.position', lat: 90.000001, lon: 10 }],
        ['longitude -180.5', { type: 'gps.position', lat: 0, lon: -180.5 }],
        ['no longitude', { type: 'gps.position', lat: 59 }],
        ['confidence 1.5', { type: 'fall.detected', confidence: 1.5 }],
        ['confidence "high"', { type: 'fall.detected', confidence: 'high' }],
        ['battery -1', { type: 'heartbeat', battery: -1 }],
        ['battery.low without battery', { type: 'battery.low' }],
        ['alarm.cancelled without ref', { type: 'alarm.cancelled' }],
        ['ref with a space', { type: 'alarm.cancelled', ref: 'a b' }],
        ['numeric door', { type: 'door.opened', door: 42 }],
      ] as const) {
        bad(`invalid field: ${name}`, 'invalid_field', (m) => event(m, fields));
      }
      for (const [name, coordinate] of [
        ['latitude 1e400 (Infinity)', '"lat":1e400,"lon":10'],
        ['longitude -1e400 (-Infinity)', '"lat":10,"lon":-1e400'],
      ] as const) {
        bad(
          `invalid field: ${name}`,
          'invalid_field',
          (m) => `{"id":"e-${m}","type":"gps.position","time":"${now()}",${coordinate}}`,
        );
      }

      // ---- device_mismatch
      for (const claimed of ['someone-else', null, 42, ''])
        bad(`claims device ${JSON.stringify(claimed)}`, 'device_mismatch', (m) => event(m, { deviceId: claimed }));
      bad('claims its own device id in upper case', 'device_mismatch', (m, device) =>
        event(m, { deviceId: device.deviceId.toUpperCase() }),
      );

      // ---- invalid_topic: the ingestor subscribes devices/+/events, so any one level arrives
      for (const [name, topic] of [
        ['a space', (m: string) => `devices/bad id ${m}/events`],
        ['an exclamation mark', (m: string) => `devices/${m}!/events`],
        ['65+ characters', (m: string) => `devices/${'a'.repeat(60)}${m}/events`],
        ['non-ASCII', (m: string) => `devices/ÆØÅ-${m}/events`],
        ['a dollar', (m: string) => `devices/${m}$/events`],
        ['percent-encoding', (m: string) => `devices/${m}%2F/events`],
      ] as const) {
        bad(`device id with ${name}`, 'invalid_topic', (m) => event(m, {}), { topic });
      }

      // ---- payload_too_large (the marker first, so even a shortened dead letter can be traced)
      bad(
        'a valid alarm one byte over 8 KiB',
        'payload_too_large',
        (m) => {
          const base = JSON.stringify({ id: `tl-${m}`, type: 'alarm.button', time: now(), pad: '' });
          return base.replace('"pad":""', `"pad":"${'x'.repeat(8193 - Buffer.byteLength(base))}"`);
        },
        { lossless: false },
      );
      bad('9000 bytes of text', 'payload_too_large', (m) => `${m} ${'garbage '.repeat(1125)}`, { lossless: false });
      bad('64 KiB of JSON', 'payload_too_large', (m) => event(m, { pad: 'x'.repeat(64 * 1024) }), { lossless: false });
      bad('200 KB of text', 'payload_too_large', (m) => `${m}${'y'.repeat(200_000)}`, { lossless: false });
      bad('12 KB of invalid UTF-8', 'payload_too_large', (m) => Buffer.concat([utf8(m), Buffer.alloc(12_000, 0xff)]), {
        lossless: false,
      });

      // ---- topics of other shapes: not the ingestor's subscription, so never accepted
      for (const topic of [
        (d: string) => `devices/${d}/events/extra`,
        (d: string) => `devices/${d}/event`,
        (d: string) => `device/${d}/events`,
        (d: string) => `devices/${d}/Events`,
      ]) {
        add('a topic of another shape', (m, device) => ({
          topic: topic(device.deviceId),
          payload: event(m, {}),
          expect: { kind: 'ignored' },
        }));
      }
    }

    const random = mulberry32(SEED);
    for (let i = messages.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [messages[i], messages[j]] = [messages[j], messages[i]];
    }
    return messages;
  }

  let burst: Message[] = [];

  it(
    'takes a shuffled burst of garbage mixed with valid events: each valid one arrives once, each bad one is dead-lettered once with its reason',
    async () => {
      burst = buildBurst();
      const byIndex = new Map(burst.map((message) => [message.index, message]));
      const validOnes = burst.filter((message) => message.expect.kind === 'valid');
      const badOnes = burst.filter((message) => message.expect.kind === 'bad');
      expect(burst.length).toBeGreaterThan(400);
      expect(validOnes.length).toBeGreaterThan(150);
      expect(badOnes.length).toBeGreaterThan(200);

      // Every device fires its share at once (QoS 1), then a sentinel: when the sentinels are on
      // Kafka, the ingestor has handled everything published before them.
      await Promise.all(
        devices.map(async (device) => {
          const own = `devices/${device.deviceId}/events`;
          await Promise.all(
            burst
              .filter((message) => message.device === device)
              .map((message) =>
                message.topic === own
                  ? device.publishRaw(message.payload, message.topic)
                  : publisher.publishAsync(message.topic, message.payload, { qos: 1 }),
              ),
          );
          await device.publish({ id: `sentinel-${token}`, type: 'heartbeat', time: new Date().toISOString() });
        }),
      );
      await eventually(
        () => {
          const waiting = devices.filter(
            (device) =>
              !events.records.some(
                (record) => record.key === device.deviceId && record.raw.includes(`sentinel-${token}`),
              ),
          );
          if (waiting.length > 0) throw new Error(`${waiting.length} devices' sentinels not on Kafka yet`);
        },
        GENEROUS,
        500,
      );

      await eventually(
        () => {
          const [accepted, refused] = [recordsByMarker(events), recordsByMarker(deadLetters)];
          const missing = burst.filter(
            (m) =>
              (m.expect.kind === 'valid' && !accepted.has(m.index)) ||
              (m.expect.kind === 'bad' && !refused.has(m.index)),
          );
          if (missing.length > 0)
            throw new Error(
              `${missing.length} messages not (yet) on Kafka, e.g. ${missing
                .slice(0, 5)
                .map((m) => `#${m.index} ${m.label}`)
                .join('; ')}`,
            );
        },
        GENEROUS,
        500,
      );

      const accepted = recordsByMarker(events);
      const refused = recordsByMarker(deadLetters);
      const problems: string[] = [];
      for (const message of burst) {
        const [onEvents, onDeadLetters] = [accepted.get(message.index) ?? [], refused.get(message.index) ?? []];
        const where = `#${message.index} ${message.label} (topic ${message.topic})`;
        const { expect: expectation } = message;
        if (expectation.kind === 'valid') {
          if (onEvents.length !== 1 || onDeadLetters.length !== 0)
            problems.push(`${where}: ${onEvents.length}x on device-events, ${onDeadLetters.length}x dead-lettered`);
          const [record] = onEvents;
          if (
            record &&
            (record.key !== expectation.deviceId ||
              JSON.stringify(record.value.event) !== JSON.stringify(expectation.event))
          ) {
            problems.push(`${where}: recorded as ${record.raw.slice(0, 300)}`);
          }
        } else if (expectation.kind === 'bad') {
          if (onEvents.length !== 0 || onDeadLetters.length !== 1)
            problems.push(`${where}: ${onEvents.length}x on device-events, ${onDeadLetters.length}x dead-lettered`);
          const [record] = onDeadLetters;
          if (!record) continue;
          const letter = record.value as unknown as DeadLetterJson;
          const got = {
            source: letter.source,
            reason: letter.reason,
            header: record.headers.reason,
            deviceId: letter.deviceId,
            key: record.key,
            origin: letter.origin,
          };
          const wanted = {
            source: 'ingestor',
            reason: expectation.reason,
            header: expectation.reason,
            deviceId: expectation.deviceId,
            key: expectation.deviceId ?? 'unknown',
            origin: { kind: 'mqtt', topic: message.topic },
          };
          if (JSON.stringify(got) !== JSON.stringify(wanted))
            problems.push(`${where}: dead letter ${JSON.stringify(got)}, expected ${JSON.stringify(wanted)}`);
          if (typeof letter.detail !== 'string' || letter.detail.trim() === '')
            problems.push(`${where}: dead letter without a detail`);
          if (expectation.lossless && !rawBytes(letter.payload).equals(message.payload))
            problems.push(`${where}: the dead letter does not hold the bytes as sent`);
        } else if (onEvents.length !== 0) {
          problems.push(`${where}: a message on a topic of another shape was accepted`);
        }
      }
      // Nothing but the burst's own markers, and each exactly where it belongs.
      for (const index of [...accepted.keys(), ...refused.keys()])
        if (!byIndex.has(index)) problems.push(`unknown marker ${index}`);
      expect(problems).toEqual([]);

      // The bad input is counted, by reason (contract: "it is counted").
      const metrics = await (await fetch(`${ingestor.url}/metrics`)).text();
      const expectedRejected: Record<string, number> = {};
      for (const message of badOnes) {
        const reason = (message.expect as { reason: string }).reason;
        expectedRejected[reason] = (expectedRejected[reason] ?? 0) + 1;
      }
      expect(metric(metrics, 'ingest_rejected_total', 'reason')).toEqual(expectedRejected);

      // The ingestor is still up and takes the next alarm.
      expect(await readiness()).toBe(200);
      expect((await fetch(`${ingestor.url}/health/live`)).status).toBe(200);
      const [first] = devices;
      await first.publish({ id: `after-burst-${token}`, type: 'alarm.button', time: new Date().toISOString() });
      await first.waitForCommand(
        (command) => command.type === 'alarm.received' && command.ref === `after-burst-${token}`,
        GENEROUS,
      );
    },
    2 * GENEROUS + 60_000,
  );

  it(
    'stores each valid event once in the response centre: one alarm per alarm event, kept as sent, and tells the device',
    async () => {
      const validOnes = burst.filter(
        (message): message is Message & { expect: Extract<Expectation, { kind: 'valid' }> } =>
          message.expect.kind === 'valid',
      );
      expect(validOnes.length).toBeGreaterThan(150);

      const histories = new Map<string, HistoryJson[]>();
      await eventually(
        async () => {
          for (const device of devices) {
            const history = await historyOf(device.deviceId);
            histories.set(device.deviceId, history);
            const ids = new Set(history.map((row) => row.eventId));
            const missing = validOnes.filter(
              (message) => message.expect.deviceId === device.deviceId && !ids.has(message.expect.eventId),
            );
            if (missing.length > 0)
              throw new Error(
                `${device.deviceId}: ${missing.length} valid events not stored yet, e.g. ${missing[0].label}`,
              );
          }
        },
        GENEROUS,
        1000,
      );

      const problems: string[] = [];
      for (const device of devices) {
        const history = histories.get(device.deviceId)!;
        const mine = validOnes.filter((message) => message.expect.deviceId === device.deviceId);
        const expected = [
          ...mine.map((message) => message.expect.eventId),
          `sentinel-${token}`,
          ...(device === devices[0] ? [`after-burst-${token}`] : []),
        ].sort();
        const stored = history.map((row) => row.eventId).sort();
        if (JSON.stringify(stored) !== JSON.stringify(expected))
          problems.push(`${device.deviceId}: stored ${stored.length} events, expected ${expected.length}`);
        for (const message of mine) {
          const row = history.find((candidate) => candidate.eventId === message.expect.eventId);
          if (!row) continue;
          if (message.expect.alarm !== 'maybe' && (row.alarmId !== null) !== message.expect.alarm)
            problems.push(
              `#${message.index} ${message.label}: alarm ${row.alarmId}, expected ${message.expect.alarm ? 'one' : 'none'}`,
            );
          if (JSON.stringify(row.payload) !== JSON.stringify(message.expect.event))
            problems.push(`#${message.index} ${message.label}: stored ${JSON.stringify(row.payload).slice(0, 200)}`);
        }
      }
      expect(problems).toEqual([]);

      // Each alarm event in detail: it opened its alarm (trigger event exactly as sent, one
      // received step) or is attached to the resident's alarm of its kind as one repeated step.
      for (const message of validOnes.filter((candidate) => candidate.expect.alarm === true)) {
        const row = histories
          .get(message.expect.deviceId)!
          .find((candidate) => candidate.eventId === message.expect.eventId)!;
        const answer = await get<AlarmDetailJson>(`${centre.url}/api/alarms/${row.alarmId}`);
        expect({ label: message.label, status: answer.status }).toEqual({ label: message.label, status: 200 });
        const type = message.expect.event.type as DeviceEventType;
        expect(answer.body).toMatchObject({ triggerType: type, priority: alarmPriorityFor(type) });
        const steps = answer.body.log
          .filter((entry) => entry.details?.eventId === message.expect.eventId)
          .map((entry) => entry.step);
        if (answer.body.triggerEventId === message.expect.eventId && answer.body.deviceId === message.expect.deviceId) {
          expect({ label: message.label, steps }).toEqual({ label: message.label, steps: ['received'] });
          // Compared as JSON text: Jest's recursive equality overflows the stack on the event nested 3000 deep.
          expect(JSON.stringify(answer.body.triggerEvent)).toBe(JSON.stringify(message.expect.event));
          if (message.expect.triggeredAt)
            expect({ label: message.label, triggeredAt: answer.body.triggeredAt }).toEqual({
              label: message.label,
              triggeredAt: message.expect.triggeredAt,
            });
        } else {
          expect({ label: message.label, steps }).toEqual({ label: message.label, steps: ['repeated'] });
        }
      }

      // Every alarm was confirmed to its device.
      await eventually(
        () => {
          const unconfirmed = validOnes.filter(
            (message) =>
              message.expect.alarm === true &&
              !message.device.commands.some(
                (command) => command.type === 'alarm.received' && command.ref === message.expect.eventId,
              ),
          );
          if (unconfirmed.length > 0)
            throw new Error(`${unconfirmed.length} alarms without alarm.received, e.g. ${unconfirmed[0].label}`);
        },
        GENEROUS,
        500,
      );
      expect((await fetch(`${centre.url}/health/live`)).status).toBe(200);
    },
    2 * GENEROUS + 60_000,
  );

  /**
   * The validator's date-time format (ajv-formats) also lets through offsets without a colon
   * (+0100, +01) and any whitespace between date and time, which RFC 3339 does not. Either
   * answer is acceptable at the door (accept the alarm, or refuse it with invalid_field); what
   * must never happen is that the ingestor accepts an alarm the response centre then cannot store.
   */
  it(
    'never loses an alarm after the ingestor accepted it: times at the edge of RFC 3339 are refused at the door or stored',
    async () => {
      const times = [
        '2026-11-23T10:00:00+0100',
        '2026-11-23T10:00:00+01',
        '2026-11-23T10:00:00-0530',
        '2026-11-23\t10:00:00Z',
        '2026-11-23\n10:00:00Z',
        '2026-11-23\u00a010:00:00Z',
        '2026-11-23T24:59:59+01:00',
      ];
      // Onboarded devices on their own topics (the broker and the ingestor refuse any other).
      const edge = times.map((time, k) => ({
        time,
        device: devices[k % devices.length],
        eventId: `edge-${k}-${token}`,
      }));
      for (const { time, device, eventId } of edge) {
        await device.publishRaw(JSON.stringify({ id: eventId, type: 'alarm.button', time }));
      }

      type Outcome =
        | 'stored as an alarm'
        | 'refused by the ingestor (invalid_field)'
        | 'refused by the ingestor for another reason'
        | 'lost in the response centre';
      const outcomes = await eventually(
        async () => {
          const found: Record<string, Outcome> = {};
          for (const { time: sent, device, eventId } of edge) {
            const deviceId = device.deviceId;
            const time = JSON.stringify(sent);
            const letters = deadLetters.records
              .filter((record) => record.raw.includes(eventId))
              .map((record) => record.value as unknown as DeadLetterJson);
            const byCentre = letters.find((letter) => letter.source === 'response-centre');
            const byIngestor = letters.find((letter) => letter.source === 'ingestor');
            const stored = (await historyOf(deviceId)).find((row) => row.eventId === eventId);
            if (byCentre) found[time] = 'lost in the response centre';
            else if (stored?.alarmId) found[time] = 'stored as an alarm';
            else if (byIngestor)
              found[time] =
                byIngestor.reason === 'invalid_field'
                  ? 'refused by the ingestor (invalid_field)'
                  : 'refused by the ingestor for another reason';
            else throw new Error(`no outcome yet for ${time}`);
          }
          return found;
        },
        GENEROUS,
        1000,
      );
      const wrong = Object.entries(outcomes).filter(
        ([, outcome]) => outcome !== 'stored as an alarm' && outcome !== 'refused by the ingestor (invalid_field)',
      );
      expect(Object.fromEntries(wrong)).toEqual({});
    },
    2 * GENEROUS,
  );

  /**
   * Far above the 8 KiB limit: the dead-letter record (raw bytes, JSON-escaped or base64) must
   * still fit on Kafka, or the ingestor retries it for ever and takes nothing after it.
   * Last in this file, because a failure here can leave the ingestor stuck.
   */
  it(
    'dead-letters messages of megabytes as payload_too_large, and the next alarm still arrives',
    async () => {
      const [device] = devices;
      const giants = [
        { label: '2 MB of text', payload: Buffer.alloc(2_000_000, 'x') },
        {
          label: '300 KB of control characters (six bytes each once JSON-escaped)',
          payload: Buffer.alloc(300_000, 0x01),
        },
        { label: '900 KB that is not UTF-8 (base64 in the dead letter)', payload: Buffer.alloc(900_000, 0xff) },
      ].map((giant, k) => ({ ...giant, deviceId: uniqueName(`giant${k}`), alarmId: `after-giant-${k}-${token}` }));

      for (const giant of giants) {
        await publisher.publishAsync(`devices/${giant.deviceId}/events`, giant.payload, { qos: 1 });
        await device.publish({ id: giant.alarmId, type: 'alarm.button', time: new Date().toISOString() });
      }

      await eventually(
        () => {
          const missing = giants.filter(
            (giant) =>
              !events.records.some((record) => record.key === device.deviceId && record.raw.includes(giant.alarmId)),
          );
          if (missing.length > 0)
            throw new Error(`the alarm after "${missing[0].label}" has not reached Kafka: ingestion is stuck`);
        },
        60_000,
        500,
      );
      for (const giant of giants) {
        const letter = deadLetters.records.find((record) => record.key === giant.deviceId);
        expect({ label: giant.label, letter: letter?.value }).toEqual({
          label: giant.label,
          letter: expect.objectContaining({
            source: 'ingestor',
            reason: 'payload_too_large',
            deviceId: giant.deviceId,
            detail: expect.stringMatching(/\S/),
          }),
        });
      }
      await device.waitForCommand(
        (command) => command.type === 'alarm.received' && command.ref === giants[giants.length - 1].alarmId,
        GENEROUS,
      );
      expect(await readiness()).toBe(200);
    },
    2 * GENEROUS,
  );
});

function brokerLogin(env: Record<string, string>): { username?: string; password?: string } {
  return { username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD };
}
