import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { DeviceEventRecord, encodeRecord, KafkaTopics } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { operatorToken } from '../../../../test/support/tokens';
import { ALARM_OUTCOMES } from './alarm-state';

interface LogJson {
  id: string;
  step: string;
  at: string;
  actorKind: string;
  actorId: string;
  details: Record<string, unknown>;
}

interface AlarmJson {
  id: string;
  deviceId: string;
  triggerType: string;
  triggerEventId: string;
  priority: number;
  state: string;
  triggeredAt: string;
  openedAt: string;
  ageSeconds: number;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

interface AlarmDetailJson extends AlarmJson {
  resolvedBy: string | null;
  resolvedAt: string | null;
  outcome: string | null;
  triggerEvent: Record<string, unknown> | null;
  log: LogJson[];
}

/** What an action answers: the alarm on success, or an error body (statusCode, error, message, details). */
type ActionReply = AlarmDetailJson & { statusCode?: number; error?: string; message?: string | string[] };

interface Answer<T = any> {
  status: number;
  contentType: string;
  body: T;
}

interface CallOptions {
  /** The operator's subject: the call carries an operator token of CENTRE for it. Left out: a reading operator. */
  operator?: string;
  /** Sent instead of the operator's token; null sends no Authorization header. */
  authorization?: string | null;
  /** A JSON value to send, or a raw string sent as is. */
  json?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/**
 * The response centre's HTTP API against a running instance: alarms are created the way
 * production creates them, by device-event records on Kafka that the centre consumes.
 * The topic and broker are shared with other test files, so every assertion is narrowed to
 * this file's own device ids.
 */
/** The alarms here come from devices the registry view does not know, so every centre's operators see them. */
const CENTRE = randomUUID();

describe('response centre HTTP API (alarms)', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let producer: Producer;

  beforeAll(async () => {
    database = await createTestDatabase('alarms_api');
    centre = await startResponseCentre(database.url);
    const kafka = new Kafka({
      clientId: uniqueName('alarms-api'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect()]);
    await Promise.allSettled([centre?.close()]);
    await database?.drop();
  });

  async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
    const authorization =
      options.authorization !== undefined
        ? options.authorization
        : `Bearer ${await tokenOf(options.operator ?? 'op-reader')}`;
    const headers: Record<string, string> = authorization === null ? {} : { authorization };
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.json !== undefined) body = JSON.stringify(options.json);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${centre.url}${path}`, { method, body, headers: { ...headers, ...options.headers } });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    return {
      status: response.status,
      contentType,
      body: (contentType.includes('application/json') && text ? JSON.parse(text) : text) as T,
    };
  }

  const tokens = new Map<string, Promise<string>>();
  const tokenOf = (operator: string) =>
    tokens.get(operator) ?? tokens.set(operator, operatorToken(CENTRE, operator)).get(operator)!;

  const ack = (alarmId: string, operator: string) =>
    call<ActionReply>('POST', `/api/alarms/${alarmId}/acknowledge`, { operator });
  const resolve = (alarmId: string, operator: string, json: unknown = { outcome: 'handled_by_phone' }) =>
    call<ActionReply>('POST', `/api/alarms/${alarmId}/resolve`, { operator, json });
  const note = (alarmId: string, operator: string, json: unknown) =>
    call<ActionReply>('POST', `/api/alarms/${alarmId}/notes`, { operator, json });
  const detail = async (alarmId: string): Promise<AlarmDetailJson> => {
    const answer = await call<AlarmDetailJson>('GET', `/api/alarms/${alarmId}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const queue = async (query = ''): Promise<AlarmJson[]> => {
    const answer = await call<AlarmJson[]>('GET', `/api/alarms?limit=500${query}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };

  /** Produces the record the ingestor would, and waits for the centre to open its alarm. */
  async function raiseAlarm(
    options: {
      deviceId?: string;
      eventId?: string;
      type?: 'alarm.button' | 'fall.detected';
      time?: string;
      extra?: Record<string, unknown>;
    } = {},
  ): Promise<AlarmDetailJson> {
    const deviceId = options.deviceId ?? uniqueName('api-dev');
    const eventId = options.eventId ?? uniqueName('evt');
    const event = {
      id: eventId,
      type: options.type ?? 'alarm.button',
      time: options.time ?? new Date().toISOString(),
      ...options.extra,
    };
    const record = { v: 1, deviceId, receivedAt: new Date().toISOString(), event } as DeviceEventRecord;
    await producer.send({
      topic: KafkaTopics.deviceEvents,
      acks: -1,
      messages: [{ key: deviceId, value: encodeRecord(record) }],
    });
    const alarmId = await eventually(async () => {
      const history = await call<{ eventId: string; alarmId: string | null }[]>(
        'GET',
        `/api/devices/${deviceId}/events`,
      );
      expect(history.status).toBe(200);
      const stored = history.body.find((row) => row.eventId === eventId);
      expect(stored?.alarmId).toEqual(expect.any(String));
      return stored!.alarmId!;
    });
    return detail(alarmId);
  }

  /** Every refusal of bad input: the expected 4xx, as JSON, with a message saying why. */
  function expectRefused(answer: Answer, status: number): void {
    expect({ status: answer.status, contentType: answer.contentType }).toEqual({
      status,
      contentType: expect.stringContaining('application/json'),
    });
    expect(answer.body).toEqual(expect.objectContaining({ statusCode: status, message: expect.anything() }));
    const message = answer.body.message as string | string[];
    expect(Array.isArray(message) ? message.join(' ') : message).not.toHaveLength(0);
  }

  describe('the queue', () => {
    it('lists unresolved alarms most urgent first, then oldest first (by arrival, not device clock), and drops resolved ones', async () => {
      // Device clocks run backwards relative to arrival: the queue must follow arrival order.
      const base = Date.now();
      const first = await raiseAlarm({ time: new Date(base - 1_000).toISOString() });
      const second = await raiseAlarm({ time: new Date(base - 60_000).toISOString(), type: 'fall.detected' });
      const third = await raiseAlarm({ time: new Date(base - 3_600_000).toISOString() });
      const mine = new Set([first.id, second.id, third.id]);
      const ours = async (query = '') => (await queue(query)).filter((alarm) => mine.has(alarm.id));

      expect((await ours()).map((alarm) => alarm.id)).toEqual([first.id, second.id, third.id]);
      expect(await ours()).toEqual([
        expect.objectContaining({
          id: first.id,
          priority: 1,
          state: 'open',
          triggerType: 'alarm.button',
          acknowledgedBy: null,
        }),
        expect.objectContaining({ id: second.id, priority: 1, state: 'open', triggerType: 'fall.detected' }),
        expect.objectContaining({ id: third.id, priority: 1, state: 'open', triggerType: 'alarm.button' }),
      ]);

      // The whole queue, other files' alarms included, keeps the order and holds nothing resolved.
      const everything = await queue();
      for (let i = 1; i < everything.length; i++) {
        const [a, b] = [everything[i - 1], everything[i]];
        expect(a.priority < b.priority || (a.priority === b.priority && a.openedAt <= b.openedAt)).toBe(true);
      }
      expect(everything.every((alarm) => alarm.state === 'open' || alarm.state === 'acknowledged')).toBe(true);

      expect((await ack(second.id, 'op-queue')).status).toBe(200);
      expect((await ours()).map((alarm) => [alarm.id, alarm.state])).toEqual([
        [first.id, 'open'],
        [second.id, 'acknowledged'],
        [third.id, 'open'],
      ]);
      expect((await ours('&state=open')).map((alarm) => alarm.id)).toEqual([first.id, third.id]);
      expect((await ours('&state=acknowledged')).map((alarm) => [alarm.id, alarm.acknowledgedBy])).toEqual([
        [second.id, 'op-queue'],
      ]);

      expect((await resolve(second.id, 'op-queue')).status).toBe(200);
      expect((await ours()).map((alarm) => alarm.id)).toEqual([first.id, third.id]);
      expect(await ours('&state=acknowledged')).toEqual([]);

      expect((await ack(first.id, 'op-queue')).status).toBe(200);
      expect((await resolve(first.id, 'op-queue', { outcome: 'false_alarm' })).status).toBe(200);
      expect((await ours()).map((alarm) => alarm.id)).toEqual([third.id]);
      expect((await ours('&state=open')).map((alarm) => alarm.id)).toEqual([third.id]);
      // Resolved alarms stay readable in full.
      expect(await detail(first.id)).toMatchObject({
        state: 'resolved',
        outcome: 'false_alarm',
        resolvedBy: 'op-queue',
      });
    });

    it('honours the limit', async () => {
      await raiseAlarm();
      await raiseAlarm();
      expect((await queue()).length).toBeGreaterThan(1);
      const answer = await call<AlarmJson[]>('GET', '/api/alarms?limit=1');
      expect(answer.status).toBe(200);
      expect(answer.body).toHaveLength(1);
      expect(answer.body[0].id).toBe((await queue())[0].id);
    });
  });

  describe('the detail', () => {
    it('returns the trigger event exactly as sent, extra fields included, and the received step', async () => {
      const deviceId = uniqueName('api-dev');
      const extra = {
        confidence: 0.42,
        vendor: { model: 'FallSense X1', firmware: '2.3.1' },
        tags: ['bathroom', 'night'],
        note: 'Ærlig talt – ÅØ 🚨',
      };
      const time = new Date(Date.now() - 5_000).toISOString();
      const alarm = await raiseAlarm({ deviceId, eventId: 'fall-with-extras', type: 'fall.detected', time, extra });

      expect(alarm).toMatchObject({
        deviceId,
        triggerType: 'fall.detected',
        triggerEventId: 'fall-with-extras',
        priority: 1,
        state: 'open',
        triggeredAt: time,
        acknowledgedBy: null,
        acknowledgedAt: null,
        resolvedBy: null,
        resolvedAt: null,
        outcome: null,
      });
      expect(alarm.triggerEvent).toEqual({ id: 'fall-with-extras', type: 'fall.detected', time, ...extra });
      expect(alarm.log).toEqual([
        expect.objectContaining({
          step: 'received',
          actorKind: 'device',
          actorId: deviceId,
          details: expect.objectContaining({
            eventId: 'fall-with-extras',
            type: 'fall.detected',
            deviceTime: time,
            priority: 1,
          }),
        }),
      ]);
    });
  });

  describe('operator actions', () => {
    it('lets exactly one of ten operators acknowledging at once take the alarm; the other nine learn who has it', async () => {
      const alarm = await raiseAlarm();
      const operators = Array.from({ length: 10 }, (_, i) => `op-race-${i}`);

      const answers = await Promise.all(operators.map((operator) => ack(alarm.id, operator)));

      const winners = answers.filter((answer) => answer.status === 200);
      const losers = answers.filter((answer) => answer.status === 409);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(9);
      const winner = winners[0].body.acknowledgedBy!;
      expect(operators).toContain(winner);
      expect(winners[0].body).toMatchObject({ id: alarm.id, state: 'acknowledged', acknowledgedBy: winner });
      for (const loser of losers) {
        expect(loser.body).toMatchObject({
          error: 'alarm_already_acknowledged',
          acknowledgedBy: winner,
          alarmId: alarm.id,
        });
        expect(loser.body.message).toContain(winner);
      }

      const after = await detail(alarm.id);
      expect(after).toMatchObject({ state: 'acknowledged', acknowledgedBy: winner });
      expect(after.log.filter((entry) => entry.step === 'acknowledged')).toEqual([
        expect.objectContaining({ actorKind: 'operator', actorId: winner }),
      ]);
    });

    it('answers 200 to the same operator acknowledging twice, and logs it once', async () => {
      const alarm = await raiseAlarm();
      const firstTime = await ack(alarm.id, 'op-twice');
      const secondTime = await ack(alarm.id, 'op-twice');
      expect([firstTime.status, secondTime.status]).toEqual([200, 200]);
      expect(secondTime.body).toMatchObject({
        state: 'acknowledged',
        acknowledgedBy: 'op-twice',
        acknowledgedAt: firstTime.body.acknowledgedAt,
      });

      // A double click: both requests at once.
      const other = await raiseAlarm();
      const clicks = await Promise.all([ack(other.id, 'op-double-click'), ack(other.id, 'op-double-click')]);
      expect(clicks.map((answer) => answer.status)).toEqual([200, 200]);

      for (const [id, operator] of [
        [alarm.id, 'op-twice'],
        [other.id, 'op-double-click'],
      ]) {
        const log = (await detail(id)).log;
        expect(log.map((entry) => [entry.step, entry.actorId])).toEqual([
          ['received', expect.any(String)],
          ['acknowledged', operator],
        ]);
      }
    });

    it('refuses to resolve an alarm nobody has taken, and to resolve it twice; notes are welcome also after resolution', async () => {
      const alarm = await raiseAlarm();

      const early = await resolve(alarm.id, 'op-carl');
      expectRefused(early, 409);
      expect(early.body).toMatchObject({ error: 'alarm_not_acknowledged', alarmId: alarm.id, state: 'open' });
      expect((await detail(alarm.id)).state).toBe('open');

      expect((await ack(alarm.id, 'op-carl')).status).toBe(200);
      const noteBefore = await note(alarm.id, 'op-carl', { text: 'Calling the resident' });
      expect(noteBefore.status).toBe(201);
      const resolved = await resolve(alarm.id, 'op-carl', { outcome: 'home_care_visit', note: 'Home care on the way' });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({
        state: 'resolved',
        outcome: 'home_care_visit',
        resolvedBy: 'op-carl',
        resolvedAt: expect.any(String),
      });

      const again = await resolve(alarm.id, 'op-dina', { outcome: 'false_alarm' });
      expectRefused(again, 409);
      expect(again.body).toMatchObject({ error: 'alarm_resolved', resolvedBy: 'op-carl' });
      const lateAck = await ack(alarm.id, 'op-dina');
      expectRefused(lateAck, 409);
      expect(lateAck.body).toMatchObject({ error: 'alarm_resolved' });

      const noteAfter = await note(alarm.id, 'op-dina', { text: 'Follow-up call tomorrow' });
      expect(noteAfter.status).toBe(201);
      expect(noteAfter.body).toMatchObject({ state: 'resolved', outcome: 'home_care_visit' });

      expect((await detail(alarm.id)).log.map((entry) => [entry.step, entry.actorId, entry.details])).toEqual([
        ['received', alarm.deviceId, expect.any(Object)],
        ['acknowledged', 'op-carl', {}],
        ['note', 'op-carl', { text: 'Calling the resident' }],
        ['resolved', 'op-carl', { outcome: 'home_care_visit', note: 'Home care on the way' }],
        ['note', 'op-dina', { text: 'Follow-up call tomorrow' }],
      ]);
    });
  });

  describe('bad and hostile input', () => {
    let alarm: AlarmDetailJson;

    beforeAll(async () => {
      alarm = await raiseAlarm();
    });

    it('refuses an invalid alarm id with 400 and an unknown one with 404 alarm_not_found', async () => {
      for (const bad of [
        'not-a-uuid',
        '1',
        "1' OR '1'='1",
        '00000000-0000-0000-0000-000000000000',
        '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      ]) {
        const path = `/api/alarms/${encodeURIComponent(bad)}`;
        expectRefused(await call('GET', path), 400);
        expectRefused(await call('POST', `${path}/acknowledge`, { operator: 'op-x' }), 400);
        expectRefused(await call('POST', `${path}/notes`, { operator: 'op-x', json: { text: 'x' } }), 400);
        expectRefused(await call('POST', `${path}/resolve`, { operator: 'op-x', json: { outcome: 'other' } }), 400);
      }
      // A broken percent-encoding in the path.
      expectRefused(await call('GET', '/api/alarms/%E0%A4%A'), 400);

      const unknown = randomUUID();
      for (const answer of [
        await call('GET', `/api/alarms/${unknown}`),
        await ack(unknown, 'op-x'),
        await note(unknown, 'op-x', { text: 'x' }),
        await resolve(unknown, 'op-x'),
      ]) {
        expectRefused(answer, 404);
        expect(answer.body).toMatchObject({ error: 'alarm_not_found', alarmId: unknown });
      }
    });

    it('refuses a missing or malformed bearer token with 401, and changes nothing', async () => {
      const valid = await tokenOf('op-valid');
      const bad = [
        null,
        '',
        'Bearer',
        `Basic ${valid}`,
        `Bearer ${valid}x`,
        `Bearer ${valid.split('.').slice(0, 2).join('.')}.`,
        'Bearer a.b.c',
        `bearer  ${valid}`,
      ];
      for (const authorization of bad) {
        const path = `/api/alarms/${alarm.id}`;
        expectRefused(await call('POST', `${path}/acknowledge`, { authorization }), 401);
        expectRefused(await call('POST', `${path}/notes`, { authorization, json: { text: 'hi' } }), 401);
        expectRefused(await call('POST', `${path}/resolve`, { authorization, json: { outcome: 'other' } }), 401);
        expectRefused(await call('GET', path, { authorization }), 401);
      }
      const after = await detail(alarm.id);
      expect(after.state).toBe('open');
      expect(after.log.map((entry) => entry.step)).toEqual(['received']);
      expect((await note(alarm.id, 'op-valid', { text: 'ok' })).status).toBe(201);
    });

    it('refuses an unknown outcome with 400, listing the allowed ones', async () => {
      expect((await ack(alarm.id, 'op-bad-input')).status).toBe(200);
      for (const outcome of ['nonsense', '', 42, null, ['other'], { $ne: null }]) {
        const answer = await resolve(alarm.id, 'op-bad-input', { outcome });
        expectRefused(answer, 400);
        const message = ([] as string[]).concat(answer.body.message ?? []).join(' ');
        for (const allowed of ALARM_OUTCOMES) expect(message).toContain(allowed);
      }
      expectRefused(await resolve(alarm.id, 'op-bad-input', {}), 400);
      expect((await detail(alarm.id)).state).toBe('acknowledged');
    });

    it('refuses unknown body fields and notes that are empty, too long or not text', async () => {
      expectRefused(await resolve(alarm.id, 'op-bad-input', { outcome: 'other', priority: 3 }), 400);
      expectRefused(await resolve(alarm.id, 'op-bad-input', { outcome: 'other', state: 'open' }), 400);
      expectRefused(await note(alarm.id, 'op-bad-input', { text: 'ok', actorId: 'op-someone-else' }), 400);

      expectRefused(await note(alarm.id, 'op-bad-input', { text: '' }), 400);
      expectRefused(await note(alarm.id, 'op-bad-input', { text: 'x'.repeat(4001) }), 400);
      expectRefused(await note(alarm.id, 'op-bad-input', {}), 400);
      expectRefused(await note(alarm.id, 'op-bad-input', { text: 42 }), 400);
      expectRefused(await note(alarm.id, 'op-bad-input', { text: ['a'] }), 400);
      expectRefused(await note(alarm.id, 'op-bad-input', { text: { $gt: '' } }), 400);
      expectRefused(await note(alarm.id, 'op-bad-input', ['text']), 400);
      expectRefused(await resolve(alarm.id, 'op-bad-input', { outcome: 'other', note: '' }), 400);
      expectRefused(await resolve(alarm.id, 'op-bad-input', { outcome: 'other', note: 'x'.repeat(4001) }), 400);

      // The limits themselves are fine.
      expect((await note(alarm.id, 'op-bad-input', { text: 'x' })).status).toBe(201);
      expect((await note(alarm.id, 'op-bad-input', { text: 'y'.repeat(4000) })).status).toBe(201);
      const log = (await detail(alarm.id)).log.filter(
        (entry) => entry.step === 'note' && entry.actorId === 'op-bad-input',
      );
      expect(log.map((entry) => (entry.details.text as string).length)).toEqual([1, 4000]);
      expect((await detail(alarm.id)).state).toBe('acknowledged');
    });

    it('refuses a body over 64 KiB (413), malformed JSON (400) and a non-JSON content type (400)', async () => {
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/notes`, {
          operator: 'op-bad-input',
          json: { text: 'x'.repeat(70_000) },
        }),
        413,
      );
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/notes`, {
          operator: 'op-bad-input',
          raw: '{"text": "unterminated',
        }),
        400,
      );
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/resolve`, { operator: 'op-bad-input', raw: "{outcome: 'other'}" }),
        400,
      );
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/notes`, { operator: 'op-bad-input', raw: 'null' }),
        400,
      );
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/notes`, {
          operator: 'op-bad-input',
          raw: '{"text":"plain"}',
          headers: { 'content-type': 'text/plain' },
        }),
        400,
      );
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/resolve`, {
          operator: 'op-bad-input',
          raw: 'outcome=other',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        400,
      );
      expect((await detail(alarm.id)).state).toBe('acknowledged');
    });

    it('refuses other body encodings it cannot read with 4xx', async () => {
      const body = '{"text":"a"}';
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/notes`, {
          operator: 'op-bad-input',
          raw: body,
          headers: { 'content-encoding': 'gzip' },
        }),
        400,
      );
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/notes`, {
          operator: 'op-bad-input',
          raw: body,
          headers: { 'content-type': 'application/json; charset=koi8-r' },
        }),
        415,
      );
    });

    // A small body nested deeply would make class-transformer recurse until the stack overflows;
    // refuseHostileJson stops it first.
    it('refuses a deeply nested JSON body under the size limit with 400, not 500', async () => {
      const depth = 30_000;
      const nested = '['.repeat(depth) + ']'.repeat(depth);
      const noteBody = `{"text":"a","x":${nested}}`;
      const resolveBody = `{"outcome":"other","note":${nested}}`;
      expect(Buffer.byteLength(noteBody)).toBeLessThan(64 * 1024);

      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/notes`, { operator: 'op-bad-input', raw: noteBody }),
        400,
      );
      expectRefused(
        await call('POST', `/api/alarms/${alarm.id}/resolve`, { operator: 'op-bad-input', raw: resolveBody }),
        400,
      );
      expect((await detail(alarm.id)).state).toBe('acknowledged');
    });

    it('refuses bad list queries and bad device ids with 400', async () => {
      for (const query of [
        'limit=0',
        'limit=abc',
        'limit=100000',
        'limit=501',
        'limit=-1',
        'limit=1.5',
        'limit=',
        'state=bogus',
        'state=resolved',
        'state[]=open',
        'limit=1&limit=2',
        'unknown=1',
      ]) {
        expectRefused(await call('GET', `/api/alarms?${query}`), 400);
      }
      for (const deviceId of ['x'.repeat(65), 'bad id', 'dev$1', 'dev%2Fone', '%C3%A9', '%E0%A4%A']) {
        expectRefused(
          await call('GET', `/api/devices/${deviceId.includes('%') ? deviceId : encodeURIComponent(deviceId)}/events`),
          400,
        );
      }
      for (const query of ['limit=0', 'limit=abc', 'limit=100000']) {
        expectRefused(await call('GET', `/api/devices/${alarm.deviceId}/events?${query}`), 400);
      }
      expect((await call('GET', `/api/devices/${alarm.deviceId}/events?limit=1`)).body).toHaveLength(1);
    });

    it('answers unknown routes with a JSON 404', async () => {
      expectRefused(await call('GET', '/api/nothing-here'), 404);
      expectRefused(await call('DELETE', `/api/alarms/${alarm.id}`), 404);
    });

    it('is still alive and serving after all of that', async () => {
      const live = await call('GET', '/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toMatchObject({ status: 'ok' });
      expect((await detail(alarm.id)).id).toBe(alarm.id);
      const fresh = await raiseAlarm();
      expect((await ack(fresh.id, 'op-still-here')).status).toBe(200);
    });
  });

  it('publishes an OpenAPI document with the alarm paths', async () => {
    const answer = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/api/openapi.json',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toMatch(/^3\./);
    expect(Object.keys(answer.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/alarms',
        '/api/alarms/{id}',
        '/api/alarms/{id}/acknowledge',
        '/api/alarms/{id}/notes',
        '/api/alarms/{id}/resolve',
        '/api/devices/{deviceId}/events',
      ]),
    );
    expect(Object.keys(answer.body.paths['/api/alarms'])).toContain('get');
    expect(Object.keys(answer.body.paths['/api/alarms/{id}/acknowledge'])).toContain('post');
    expect(Object.keys(answer.body.paths['/api/alarms/{id}/resolve'])).toContain('post');
  });
});
