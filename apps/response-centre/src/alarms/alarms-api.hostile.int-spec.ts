import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { DeviceEventRecord, encodeRecord, KafkaTopics } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { operatorToken } from '../../../../test/support/tokens';
import { ALARM_OUTCOMES } from './alarm-state';

/*
 * Hostile HTTP input to the response centre's API, beyond what alarms-api.int-spec.ts covers:
 * bodies over the limit on every POST endpoint (also chunked, and on acknowledge, which takes no
 * body), content types the API does not read, ids and enum values that only look right,
 * prototype-pollution keys in bodies and queries, odd Authorization headers, and generated
 * bodies and queries by the hundred. Every refusal is a 4xx with a JSON message; never a 500.
 */

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: any;
}

interface Call {
  /** The Authorization header; left out, the operator's bearer token; null sends none. */
  authorization?: string | null;
  body?: string | Buffer | ReadableStream<Uint8Array>;
  contentType?: string | null;
  headers?: Record<string, string>;
}

const OPERATOR = 'op-hostile';
/** Names that live on Object.prototype or act on it. */
const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
];

describe('response centre HTTP API under hostile input', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let producer: Producer;
  /** An alarm this file acknowledged; hostile requests must leave it exactly as it is. */
  let alarm: { id: string; deviceId: string };
  /** The operator's token (the alarms come from devices no registry placed, so any centre sees them). */
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase('alarms_hostile');
    centre = await startResponseCentre(database.url);
    const kafka = new Kafka({
      clientId: uniqueName('alarms-hostile'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    token = await operatorToken(randomUUID(), OPERATOR);
    alarm = await acknowledgedAlarm();
  });

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect()]);
    await Promise.allSettled([centre?.close()]);
    await database?.drop();
  });

  async function call(method: string, path: string, options: Call = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? `Bearer ${token}` : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    if (options.body !== undefined && options.contentType !== null)
      headers['content-type'] = options.contentType ?? 'application/json';
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: { ...headers, ...options.headers },
      body: options.body as RequestInit['body'],
    };
    if (options.body instanceof ReadableStream) init.duplex = 'half';
    const response = await fetch(`${centre.url}${path}`, init);
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    let body: unknown = text;
    if (contentType.includes('application/json') && text) body = JSON.parse(text);
    return { status: response.status, contentType, text, body };
  }

  /** For what fetch will not send: repeated headers, raw bytes in a header. */
  function rawCall(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body?: string,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const url = new URL(`${centre.url}${path}`);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const contentType = String(res.headers['content-type'] ?? '');
            resolve({
              status: res.statusCode ?? 0,
              contentType,
              text,
              body: contentType.includes('application/json') && text ? JSON.parse(text) : text,
            });
          });
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** What is wrong with an answer that should be a refusal: the status, JSON, statusCode and a message that says something. */
  function refusalProblem(answer: Answer, status: number, what: string): string | null {
    const json = answer.contentType.includes('application/json');
    const message =
      json && answer.body && typeof answer.body === 'object'
        ? ([] as unknown[])
            .concat(answer.body.message ?? [])
            .join(' ')
            .trim()
        : '';
    if (answer.status === status && json && answer.body.statusCode === status && message !== '') return null;
    return `${what}: expected ${status} with a JSON message, got ${answer.status} ${answer.contentType} ${answer.text.slice(0, 200)}`;
  }

  function expectRefused(answer: Answer, status: number, what = ''): void {
    expect(refusalProblem(answer, status, what)).toBeNull();
  }

  /** Runs the requests and reports every one that was not refused as it should be, not just the first. */
  async function expectAllRefused(
    cases: [what: string, request: () => Promise<Answer>, status: number][],
  ): Promise<void> {
    const problems: string[] = [];
    for (const [what, request, status] of cases) {
      const problem = refusalProblem(await request(), status, what);
      if (problem) problems.push(problem);
    }
    expect(problems).toEqual([]);
  }

  async function raiseAlarm(): Promise<{ id: string; deviceId: string }> {
    const deviceId = uniqueName('hostile-dev');
    const eventId = uniqueName('evt');
    const record = {
      v: 1,
      deviceId,
      receivedAt: new Date().toISOString(),
      event: { id: eventId, type: 'alarm.button', time: new Date().toISOString() },
    } as DeviceEventRecord;
    await producer.send({
      topic: KafkaTopics.deviceEvents,
      acks: -1,
      messages: [{ key: deviceId, value: encodeRecord(record) }],
    });
    const id = await eventually(async () => {
      const history = await call('GET', `/api/devices/${deviceId}/events`);
      expect(history.status).toBe(200);
      const stored = (history.body as { eventId: string; alarmId: string | null }[]).find(
        (row) => row.eventId === eventId,
      );
      expect(stored?.alarmId).toEqual(expect.any(String));
      return stored!.alarmId!;
    });
    return { id, deviceId };
  }

  let logBefore: unknown[] = [];
  const logOf = async () => {
    const answer = await call('GET', `/api/alarms/${alarm.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: OPERATOR, outcome: null });
    return answer.body.log as unknown[];
  };
  beforeEach(async () => {
    // A test that failed by changing the alarm must not make the next ones fail too.
    const current = await call('GET', `/api/alarms/${alarm.id}`);
    if (current.body?.state !== 'acknowledged' || current.body?.acknowledgedBy !== OPERATOR)
      alarm = await acknowledgedAlarm();
    logBefore = await logOf();
  });

  async function acknowledgedAlarm(): Promise<{ id: string; deviceId: string }> {
    const raised = await raiseAlarm();
    expect((await call('POST', `/api/alarms/${raised.id}/acknowledge`)).status).toBe(200);
    return raised;
  }

  /** The alarm is still acknowledged by this file's operator, with no step added during the test. */
  async function expectUntouched(): Promise<void> {
    expect(await logOf()).toEqual(logBefore);
  }

  const postPaths = () => [
    `/api/alarms/${alarm.id}/acknowledge`,
    `/api/alarms/${alarm.id}/notes`,
    `/api/alarms/${alarm.id}/resolve`,
  ];

  it('refuses bodies over 64 KiB with 413 on every POST endpoint, also when chunked and on acknowledge', async () => {
    const sizes = [64 * 1024 + 1, 1024 * 1024, 8 * 1024 * 1024];
    /** Chunked: no Content-Length to refuse it by; the limit must hold while reading. */
    const chunked = () => {
      const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"text":"'));
        },
        pull(controller) {
          if (sent++ < 64) controller.enqueue(chunk);
          else {
            controller.enqueue(new TextEncoder().encode('"}'));
            controller.close();
          }
        },
      });
    };
    await expectAllRefused(
      postPaths().flatMap((path) => [
        ...sizes.map((size): [string, () => Promise<Answer>, number] => [
          `${path} with ${size} bytes`,
          () => call('POST', path, { body: JSON.stringify({ text: 'x'.repeat(size), outcome: 'other' }) }),
          413,
        ]),
        [`${path} chunked, 1 MiB`, () => call('POST', path, { body: chunked() }), 413] as [
          string,
          () => Promise<Answer>,
          number,
        ],
      ]),
    );
    await expectUntouched();
  });

  it('refuses content types it does not read (text, form, multipart, XML, none) with 400 and a message, and changes nothing', async () => {
    const bodies: [string | null, string][] = [
      ['text/plain', '{"text":"plain"}'],
      ['application/x-www-form-urlencoded', 'text=form&outcome=other'],
      [
        'multipart/form-data; boundary=XyZ',
        '--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\nmultipart\r\n--XyZ\r\nContent-Disposition: form-data; name="outcome"\r\n\r\nother\r\n--XyZ--\r\n',
      ],
      ['application/xml', '<note><text>xml</text><outcome>other</outcome></note>'],
      ['application/vnd.api+json', '{"text":"vendor json","outcome":"other"}'],
      ['application/octet-stream', '{"text":"bytes","outcome":"other"}'],
      [null, '{"text":"no content type","outcome":"other"}'],
    ];
    await expectAllRefused(
      [`/api/alarms/${alarm.id}/notes`, `/api/alarms/${alarm.id}/resolve`].flatMap((path) =>
        bodies.map(([contentType, body]): [string, () => Promise<Answer>, number] => [
          `${path} as ${contentType}`,
          () => call('POST', path, { body, contentType }),
          400,
        ]),
      ),
    );
    await expectUntouched();
  });

  it('refuses JSON in a charset it does not read with 415, UTF-8 bytes declared as UTF-16 with 400, and reads an explicit UTF-8', async () => {
    const path = `/api/alarms/${alarm.id}/notes`;
    await expectAllRefused([
      ...['latin1', 'iso-8859-1', 'x-unknown', 'koi8-u'].map((charset): [string, () => Promise<Answer>, number] => [
        charset,
        () => call('POST', path, { body: '{"text":"a"}', contentType: `application/json; charset=${charset}` }),
        415,
      ]),
      // UTF-16 is a charset JSON may come in; these UTF-8 bytes read as UTF-16 are not JSON.
      [
        'utf-16',
        () => call('POST', path, { body: '{"text":"a"}', contentType: 'application/json; charset=utf-16' }),
        400,
      ],
    ]);
    // A correct request to an unknown alarm: the body was read and validated, so 404, not 400.
    const unknown = randomUUID();
    expectRefused(
      await call('POST', `/api/alarms/${unknown}/notes`, {
        body: '{"text":"ø"}',
        contentType: 'application/json; charset=UTF-8',
      }),
      404,
    );
    await expectUntouched();
  });

  it('refuses ids that only look like alarm ids with 400, on every alarm route', async () => {
    const upper = alarm.id.toUpperCase();
    const bad = [
      `{${alarm.id}}`,
      `urn:uuid:${alarm.id}`,
      alarm.id.replace(/-/g, ''),
      `${alarm.id}0`,
      alarm.id.slice(0, -1),
      `${alarm.id} `,
      `${alarm.id}\n`,
      `${alarm.id}\u0000`,
      ` ${alarm.id}`,
      alarm.id.replace(/[0-9a-f]/, 'g'),
      '../../health/live',
      'null',
      'undefined',
      '__proto__',
      'constructor',
      '%',
      '🚨',
      'x'.repeat(8000),
      randomUUID().replace(/^(.{14})4/, '$15'), // a version-5 UUID
    ];
    await expectAllRefused(
      bad.flatMap((id): [string, () => Promise<Answer>, number][] => {
        const path = `/api/alarms/${encodeURIComponent(id)}`;
        const name = JSON.stringify(id.slice(0, 60));
        return [
          [`GET ${name}`, () => call('GET', path), 400],
          [`acknowledge ${name}`, () => call('POST', `${path}/acknowledge`), 400],
          [`notes ${name}`, () => call('POST', `${path}/notes`, { body: '{"text":"x"}' }), 400],
          [`resolve ${name}`, () => call('POST', `${path}/resolve`, { body: '{"outcome":"other"}' }), 400],
        ];
      }),
    );
    // The same UUID in capitals is the same alarm (UUIDs are case-insensitive).
    const same = await call('GET', `/api/alarms/${upper}`);
    expect({ status: same.status, id: same.body?.id }).toEqual({ status: 200, id: alarm.id });
    await expectUntouched();
  });

  it('refuses outcomes that only look allowed with 400, listing the allowed ones', async () => {
    const lookalikes: unknown[] = [
      'OTHER',
      'Other',
      'other ',
      ' other',
      'othe',
      'оther' /* Cyrillic o */,
      'other\u0000',
      'false_alarm,other',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      true,
      1.5,
      -1,
      {},
      [],
      ['other', 'other'],
      { value: 'other' },
    ];
    const problems: string[] = [];
    for (const outcome of lookalikes) {
      const answer = await call('POST', `/api/alarms/${alarm.id}/resolve`, { body: JSON.stringify({ outcome }) });
      const problem = refusalProblem(answer, 400, JSON.stringify(outcome));
      if (problem) problems.push(problem);
      else {
        const message = ([] as string[]).concat(answer.body.message).join(' ');
        const unnamed = ALARM_OUTCOMES.filter((allowed) => !message.includes(allowed));
        if (unnamed.length > 0)
          problems.push(`${JSON.stringify(outcome)}: the message does not name ${unnamed.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
    await expectUntouched();
  });

  // forbidNonWhitelisted refuses unknown body fields (alarms-api.int-spec.ts); these are unknown fields too.
  // Sent to an alarm that does not exist: a body wrongly let through answers 404 instead of 400, and changes nothing.
  it('refuses prototype-pollution keys in bodies with 400 like any unknown field, and pollutes nothing', async () => {
    const unknown = randomUUID();
    const bodies = [
      ...PROTOTYPE_KEYS.flatMap((key) => [
        `{"text":"a","${key}":{"polluted":"yes"}}`,
        `{"outcome":"other","${key}":{"polluted":"yes"}}`,
      ]),
      '{"text":"a","constructor":{"prototype":{"polluted":"yes"}}}',
      '{"outcome":"other","constructor":{"prototype":{"polluted":"yes"}}}',
      // Fields smuggled in through the prototype instead of as own fields.
      '{"__proto__":{"text":"smuggled"}}',
      '{"__proto__":{"outcome":"other"}}',
      '{"constructor":{"prototype":{"text":"smuggled"}}}',
    ];
    await expectAllRefused(
      bodies.map((body): [string, () => Promise<Answer>, number] => {
        const path = body.includes('text') ? `/api/alarms/${unknown}/notes` : `/api/alarms/${unknown}/resolve`;
        return [`${path.slice(path.lastIndexOf('/') + 1)} ${body}`, () => call('POST', path, { body }), 400];
      }),
    ).finally(() => {
      // The app runs in this process: a polluted prototype would show here, whatever the statuses.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).text).toBeUndefined();
    });
    await expectUntouched();
  });

  it('refuses list queries of the wrong type or with pollution keys with 400', async () => {
    const queries = [
      'limit=NaN',
      'limit=Infinity',
      'limit=-Infinity',
      'limit=1e3',
      'limit=5abc',
      'limit=true',
      'limit=null',
      'limit=%00',
      'limit=%D9%A1', // Arabic-Indic digit one
      `limit=${'9'.repeat(400)}`,
      'limit[]=1',
      'limit[x]=1',
      'limit=1&limit=1',
      'state=OPEN',
      'state=',
      'state=__proto__',
      'state=constructor',
      'state=open&state=acknowledged',
      ...PROTOTYPE_KEYS.map((key) => `${key}=1`),
      '__proto__[limit]=1',
      'constructor[prototype][limit]=1',
      `${'k'.repeat(2000)}=1`,
    ];
    await expectAllRefused(
      queries.flatMap((query): [string, () => Promise<Answer>, number][] => [
        [`/api/alarms?${query}`, () => call('GET', `/api/alarms?${query}`), 400],
        [
          `history ?${query.replace(/state/g, 'limit')}`,
          () => call('GET', `/api/devices/${alarm.deviceId}/events?${query.replace(/state/g, 'limit')}`),
          400,
        ],
      ]),
    );
    expect(({} as Record<string, unknown>).limit).toBeUndefined();
    expect((await call('GET', '/api/alarms?limit=1')).status).toBe(200);
  });

  it('refuses odd Authorization headers with 401 and a message: huge, tabs, Latin-1, a token inside other text', async () => {
    const path = `/api/alarms/${alarm.id}/notes`;
    const odd = [
      `Bearer ${'x'.repeat(8000)}`,
      `Bearer\t${token}`,
      `Bearer ${token}\u00f8`,
      `\u00a0Bearer ${token}`,
      `Bearer ${token} Bearer ${token}`,
      `Bearer ${token},x`,
    ];
    await expectAllRefused([
      ...odd.map((authorization): [string, () => Promise<Answer>, number] => [
        `authorization ${JSON.stringify(authorization.slice(0, 20))} (${authorization.length} chars)`,
        () => call('POST', path, { authorization, body: '{"text":"hi"}' }),
        401,
      ]),
      [
        'UTF-8 bytes in the header',
        () =>
          rawCall(
            'POST',
            path,
            {
              authorization: Buffer.from(`Bearer ø${token}`, 'utf8').toString('latin1'),
              'content-type': 'application/json',
            },
            '{"text":"hi"}',
          ),
        401,
      ],
    ]);
    await expectUntouched();
  });

  // Node's HTTP parser refuses a request head over its 16 KiB limit itself (431, no body): the app
  // never sees it, so no JSON message is possible there; what matters is that it is a 4xx.
  it('answers a header or URL over the 16 KiB request-head limit with 431, and keeps serving', async () => {
    const path = `/api/alarms/${alarm.id}/notes`;
    const huge = await call('POST', path, { authorization: `Bearer ${'x'.repeat(20_000)}`, body: '{"text":"hi"}' });
    expect(huge.status).toBe(431);
    const longUrl = await call('GET', `/api/alarms/${'a'.repeat(20_000)}`);
    expect(longUrl.status).toBe(431);
    expect((await call('GET', '/health/live')).status).toBe(200);
    await expectUntouched();
  });

  describe('generated input (fast-check)', () => {
    const unknownAlarm = randomUUID();
    const isPlainObject = (value: unknown): value is Record<string, unknown> =>
      typeof value === 'object' && value !== null && !Array.isArray(value);
    const oneToFourThousand = (value: unknown) =>
      typeof value === 'string' && value.length >= 1 && value.length <= 4000;

    /** What the API must answer for a body to an alarm that does not exist: 404 if the body is valid, else 400. */
    const expectedNotes = (body: unknown) =>
      isPlainObject(body) && Object.keys(body).join() === 'text' && oneToFourThousand(body.text) ? 404 : 400;
    const expectedResolve = (body: unknown) =>
      isPlainObject(body) &&
      Object.keys(body).every((key) => key === 'outcome' || key === 'note') &&
      (ALARM_OUTCOMES as readonly unknown[]).includes(body.outcome) &&
      (body.note === undefined || body.note === null || oneToFourThousand(body.note))
        ? 404
        : 400;
    /**
     * acknowledge ignores its body, but the JSON parser still reads it: only objects and arrays
     * are JSON bodies. A body naming a prototype key somewhere may be refused (400) even there.
     */
    const expectedAcknowledge = (body: unknown) =>
      typeof body === 'object' && body !== null ? (hasPrototypeKey(body) ? [400, 404] : 404) : 400;
    /** Object.prototype's names (fast-check generates them as keys on purpose) and `prototype`. */
    const PROTOTYPE_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
    const hasPrototypeKey = (value: unknown): boolean =>
      typeof value === 'object' &&
      value !== null &&
      Object.entries(value).some(([key, child]) => PROTOTYPE_NAMES.has(key) || hasPrototypeKey(child));

    const text = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ text: fc.oneof(text, fc.jsonValue({ maxDepth: 1 })) }),
      fc
        .record({ text }, { requiredKeys: [] })
        .chain((base) =>
          fc
            .dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })
            .map((extra) => ({ ...extra, ...base })),
        ),
      fc.record(
        {
          outcome: fc.oneof(fc.constantFrom(...ALARM_OUTCOMES), text, fc.jsonValue({ maxDepth: 1 })),
          note: fc.oneof(text, fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: [] },
      ),
    );

    it('answers every generated JSON body to every POST endpoint with the right 4xx and a message', async () => {
      await fc.assert(
        fc.asyncProperty(body, async (value) => {
          const raw = JSON.stringify(value);
          for (const [path, expected] of [
            [`/api/alarms/${unknownAlarm}/notes`, expectedNotes(value)],
            [`/api/alarms/${unknownAlarm}/resolve`, expectedResolve(value)],
            [`/api/alarms/${unknownAlarm}/acknowledge`, expectedAcknowledge(value)],
          ] as const) {
            const answer = await call('POST', path, { body: raw });
            const allowed = ([] as number[]).concat(expected);
            expectRefused(answer, allowed.includes(answer.status) ? answer.status : allowed[0], `${path} ${raw}`);
          }
        }),
        { numRuns: 300 },
      );
      await expectUntouched();
    });

    it('answers generated bytes sent as JSON with 400 (not JSON) or the right 4xx, never 500', async () => {
      const bytes = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value).slice(0, -1)),
        fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array)),
      );
      await fc.assert(
        fc.asyncProperty(bytes, fc.constantFrom('notes', 'resolve', 'acknowledge'), async (payload, action) => {
          const answer = await call('POST', `/api/alarms/${unknownAlarm}/${action}`, { body: payload });
          expect([400, 404]).toContain(answer.status);
          expectRefused(answer, answer.status, `${action} ${JSON.stringify(payload.toString()).slice(0, 200)}`);
        }),
        { numRuns: 300 },
      );
    });

    it('answers generated queries and path ids with 200 or a 4xx with a message, never 500', async () => {
      const queryValue = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 10 }),
        fc.integer({ min: -10, max: 1000 }).map(String),
        fc.constantFrom('open', 'acknowledged', '1', '500', '501'),
      );
      const query = fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('limit', 'state', 'limit[]', '__proto__', 'constructor'),
            fc.string({ maxLength: 6 }),
          ),
          queryValue,
        ),
        { maxLength: 3 },
      );
      const id = fc.oneof(fc.uuid(), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant(alarm.id));
      await fc.assert(
        fc.asyncProperty(query, id, async (pairs, alarmId) => {
          const search = new URLSearchParams(pairs).toString();
          const list = await call('GET', `/api/alarms?${search}`);
          if (list.status !== 200) expectRefused(list, 400, `?${search}`);
          else expect(Array.isArray(list.body)).toBe(true);
          const history = await call(
            'GET',
            `/api/devices/${alarm.deviceId}/events?${search.replace(/state/g, 'limit')}`,
          );
          if (history.status !== 200) expectRefused(history, 400, `history ?${search}`);
          const one = await call('GET', `/api/alarms/${encodeURIComponent(alarmId)}`);
          if (one.status !== 200) expect([400, 404]).toContain(one.status);
          if (one.status !== 200) expectRefused(one, one.status, alarmId);
        }),
        { numRuns: 200 },
      );
    });
  });

  it('is alive and serving after all of that', async () => {
    expect((await call('GET', '/health/live')).status).toBe(200);
    const fresh = await raiseAlarm();
    expect((await call('POST', `/api/alarms/${fresh.id}/acknowledge`)).status).toBe(200);
    await expectUntouched();
  });
});
