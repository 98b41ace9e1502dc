import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Client } from 'pg';
import { CentreWorld, Place } from '../../../../test/support/centre-world';
import { eventually } from '../../../../test/support/eventually';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { SseClient } from '../../../../test/support/sse-client';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';
import {
  homeCareToken,
  municipalityAdminToken,
  operatorToken,
  supervisorToken,
  systemAdminToken,
} from '../../../../test/support/tokens';
import { laterCursor, parseCursor } from './feed-cursor';
import { HandlingLogFeed } from './handling-log-feed';

interface StepJson {
  id: string;
  cursor: string;
  alarmId: string;
  step: string;
  at: string;
  actor: { kind: string; id: string };
  details: Record<string, any>;
  alarm: {
    id: string;
    state: string;
    priority: number;
    escalationLevel: number;
    responseCentreId: string | null;
    dispatch: { status: string } | null;
  } | null;
}

/**
 * The operators' live stream on real Kafka and PostgreSQL, with two response-centre instances on
 * one database. The instance the streams read from polls only once a minute here, so every live
 * delivery must come through LISTEN/NOTIFY, also for steps the other instance wrote.
 */
describe("response centre: the operators' live stream", () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let other: RunningService;
  let otherClosed = false;
  let world: CentreWorld;
  let a: Place;
  let b: Place;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('live_stream');
    const group = uniqueName('rc-live');
    centre = await startResponseCentre(database.url, {
      KAFKA_CONSUMER_GROUP: group,
      STREAM_POLL_INTERVAL_MS: '60000',
      STREAM_HEARTBEAT_SECONDS: '1',
    });
    other = await startResponseCentre(database.url, { KAFKA_CONSUMER_GROUP: group, STREAM_POLL_INTERVAL_MS: '200' });
    world = await CentreWorld.open(centre, database.url);
    [a, b] = [await world.place(), await world.place()];
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await world?.close();
    await Promise.allSettled([centre?.close(), otherClosed ? undefined : other?.close()]);
    await database?.drop();
  });

  async function stream(
    on: RunningService,
    token: string | null,
    options: { since?: string; lastEventId?: string } = {},
  ): Promise<SseClient> {
    const client = await SseClient.open(on.url, { token, ...options });
    clients.push(client);
    return client;
  }

  /** An action through the API of the given instance, as an operator of the place's centre. */
  async function act(on: RunningService, place: Place, path: string, body?: unknown): Promise<void> {
    const response = await fetch(`${on.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await operatorToken(place.centreId, 'op-live')}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
  }

  const note = (on: RunningService, place: Place, alarmId: string, text: string) =>
    act(on, place, `/api/alarms/${alarmId}/notes`, { text });

  /** The steps of these alarms as stored, in the feed's order: what a client must have seen, once each. */
  async function storedSteps(alarmIds: string[], after?: string): Promise<string[]> {
    const [tx, id] = (after ?? '0.0').split('.');
    const rows = await world.sql<{ cursor: string }>(
      `SELECT tx::text || '.' || id AS cursor FROM alarm_handling_log WHERE alarm_id = ANY($1) AND (tx, id) > ($2::xid8, $3::bigint) ORDER BY tx, id`,
      [alarmIds, tx, id],
    );
    return rows.map((row) => row.cursor);
  }

  const cursorsOf = (client: SseClient, alarmIds: string[]) =>
    client
      .steps<StepJson>()
      .filter((step) => alarmIds.includes(step.alarmId))
      .map((step) => step.id);

  it("starts at now, streams each step with the alarm's current summary, and a client reconnecting with its last id misses nothing and gets nothing twice", async () => {
    const before = await world.raiseAlarm(a);
    const first = await stream(centre, await operatorToken(a.centreId));
    expect({ status: first.status, contentType: first.contentType }).toEqual({
      status: 200,
      contentType: 'text/event-stream; charset=utf-8',
    });
    const ready = await first.waitForReady();

    // Written by the other instance: only NOTIFY can wake this one's stream in time.
    await act(other, a, `/api/alarms/${before}/acknowledge`);
    await note(other, a, before, 'first note');
    const received = await first.waitFor(
      'the note',
      (event) => event.type === 'step' && event.data.includes('first note'),
    );
    const ofBefore = (client: SseClient, step: string) =>
      client.steps<StepJson>().find((event) => event.alarmId === before && event.step === step);
    expect(ofBefore(first, 'acknowledged')).toMatchObject({
      actor: { kind: 'operator', id: 'op-live' },
      alarm: {
        id: before,
        state: 'acknowledged',
        priority: 1,
        escalationLevel: 0,
        responseCentreId: a.centreId,
        dispatch: null,
      },
    });
    expect(ofBefore(first, 'note')).toMatchObject({
      details: { text: 'first note' },
      id: received.id,
      cursor: received.id,
    });

    // Disconnected: meanwhile a new alarm, a dispatch, notes.
    await first.close();
    const fall = await world.raiseAlarm(a, 'fall.detected');
    await note(other, a, before, 'while away 1');
    await act(centre, a, `/api/alarms/${before}/dispatches`, { homeCareTeamId: a.teamId, instructions: 'Go' });
    await note(centre, a, fall, 'while away 2');

    const resumed = await stream(centre, await operatorToken(a.centreId), { lastEventId: first.lastId! });
    await resumed.waitForReady();
    await note(other, a, fall, 'live again');
    await resumed.waitFor('the live note', (event) => event.data.includes('live again'));

    // Exactly the stored steps after the start, each once, in the feed's order (a step committed just
    // before the start may come too: "now" errs towards sending twice, never towards missing).
    const mine = [before, fall];
    const seen = [...cursorsOf(first, mine), ...cursorsOf(resumed, mine)];
    expect(seen).toEqual(await storedSteps(mine, ready.id!));
    expect(new Set(seen).size).toBe(seen.length);
    expect(
      resumed
        .steps<StepJson>()
        .filter((step) => mine.includes(step.alarmId))
        .map((step) => step.step),
    ).toEqual(['received', 'note', 'dispatched', 'note', 'note']);
    expect(resumed.steps<StepJson>().find((step) => step.step === 'dispatched')!.alarm?.dispatch).toMatchObject({
      status: 'requested',
    });
    // `ready` carries the position reached (at or past the last step sent before it, or the position
    // resumed from when none was: steps held back behind a transaction still open come after it), so a
    // client that saw no step yet can resume from it too.
    const readyIndex = resumed.events.findIndex((event) => event.type === 'ready');
    const sentBefore = resumed.events
      .slice(0, readyIndex)
      .reverse()
      .find((event) => event.id !== null);
    const [readyAt, reached] = [
      parseCursor(resumed.events[readyIndex].id!)!,
      parseCursor(sentBefore?.id ?? first.lastId!)!,
    ];
    expect(laterCursor(readyAt, reached)).toBe(readyAt);

    // ?since= replays the same, for a client that kept the cursor itself.
    const replay = await stream(centre, await supervisorToken(a.centreId), { since: ready.id! });
    await replay.waitFor('the whole replay', () => cursorsOf(replay, mine).length >= seen.length);
    expect(cursorsOf(replay, mine)).toEqual(seen);
  });

  it("shows another centre's operator nothing of it: not live, not in a replay from the start; unplaced alarms go to every centre", async () => {
    const fromStart = await stream(centre, await operatorToken(b.centreId), { since: '0.0' });
    const live = await stream(other, await operatorToken(b.centreId));
    await Promise.all([fromStart.waitForReady(), live.waitForReady()]);
    const secret = `secret of A ${randomUUID()}`;
    const alarmOfA = await world.raiseAlarm(a, 'battery.low');
    await note(centre, a, alarmOfA, secret);
    const alarmOfB = await world.raiseAlarm(b, 'battery.low');
    const unplaced = await world.raiseAlarm({ ...a, deviceId: uniqueName('unknown-device') }, 'battery.low');

    for (const client of [fromStart, live]) {
      await client.waitFor("B's alarm", (event) => event.data.includes(alarmOfB));
      await client.waitFor('the unplaced alarm', (event) => event.data.includes(unplaced));
    }
    const ofA = await world.sql<{ id: string }>('SELECT id FROM alarms WHERE response_centre_id = $1', [a.centreId]);
    for (const client of [fromStart, live]) {
      for (const leaked of [a.centreId, a.deviceId, a.residentId, secret, ...ofA.map((row) => row.id)])
        expect(client.text).not.toContain(leaked);
      expect(client.steps<StepJson>().every((step) => step.alarm?.responseCentreId !== a.centreId)).toBe(true);
    }
  });

  it('refuses without a token (401), other roles (403) and a cursor it did not hand out (400), before streaming anything', async () => {
    const refused: [string | null, number][] = [
      [null, 401],
      ['not.a.token', 401],
      [await homeCareToken(a.teamId), 403],
      [await municipalityAdminToken(a.municipalityId), 403],
      [await systemAdminToken(), 403],
    ];
    for (const [token, status] of refused) {
      const client = await stream(centre, token);
      expect({ status: client.status, json: client.contentType.includes('application/json') }).toEqual({
        status,
        json: true,
      });
      expect(client.text).not.toContain(a.centreId);
    }
    const token = await operatorToken(a.centreId);
    for (const cursor of ['12', 'abc', '1.2.3', '-1.0'])
      expect((await stream(centre, token, { since: cursor })).status).toBe(400);
    expect((await stream(centre, token, { lastEventId: 'yesterday' })).status).toBe(400);
  });

  it('logs every stream opened in the access log, and sends a heartbeat on a quiet stream', async () => {
    const subject = uniqueName('op-watcher');
    const client = await stream(centre, await operatorToken(a.centreId, subject));
    await client.waitForReady();
    expect(
      await world.sql(
        'SELECT action, resource_id, resident_id, actor_tenant FROM access_log WHERE actor_subject = $1',
        [subject],
      ),
    ).toEqual([{ action: 'alarm-stream.open', resource_id: a.centreId, resident_id: null, actor_tenant: a.centreId }]);
    await eventually(() => expect(client.text).toContain(': heartbeat'), 5000);
  });

  /**
   * Ids are taken at insert and seen at commit. Here the step with the lower id commits last: a
   * reader that kept "the last id sent" would send the higher one first and skip the lower for
   * ever. The feed holds both back until the older transaction ended, then sends them in order.
   */
  it('never skips a step whose transaction took a lower id and committed after a higher one', async () => {
    const alarmId = await world.raiseAlarm(a, 'fall.detected');
    const client = await stream(centre, await operatorToken(a.centreId));
    await client.waitForReady();
    const feed = centre.app.get(HandlingLogFeed);
    const reads = jest.spyOn(feed, 'after');
    const bySql = () =>
      client.steps<StepJson>().filter((step) => step.alarmId === alarmId && step.actor.id === 'op-sql');
    const [early, late] = [
      new Client({ connectionString: database.url }),
      new Client({ connectionString: database.url }),
    ];
    await Promise.all([early.connect(), late.connect()]);
    const insert = (sql: Client, text: string) =>
      sql.query<{ id: string }>(
        `INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id, details) VALUES ($1, 'note', now(), 'operator', 'op-sql', $2) RETURNING id`,
        [alarmId, { text }],
      );
    try {
      await early.query('BEGIN');
      const lowId = (await insert(early, 'took the lower id')).rows[0].id;
      await late.query('BEGIN');
      const highId = (await insert(late, 'took the higher id')).rows[0].id;
      expect(BigInt(highId)).toBeGreaterThan(BigInt(lowId));
      const readsBefore = reads.mock.calls.length;
      await late.query('COMMIT');
      // The commit's NOTIFY makes the stream read; what it read must not include the higher id yet.
      await eventually(() => expect(reads.mock.calls.length).toBeGreaterThan(readsBefore));
      await Promise.all(reads.mock.results.slice(readsBefore).map((result) => result.value));
      expect(bySql()).toEqual([]);

      await early.query('COMMIT');
      await client.waitFor('both steps', () => bySql().length === 2);
      expect(bySql().map((step) => [step.id.split('.')[1], step.details.text])).toEqual([
        [lowId, 'took the lower id'],
        [highId, 'took the higher id'],
      ]);
    } finally {
      reads.mockRestore();
      await Promise.allSettled([early.end(), late.end()]);
    }
  });

  /**
   * A step waits behind any older transaction that is still running, also one that writes no
   * step and so sends no notification when it ends. The stream looks again by itself (this
   * instance polls only once a minute, so the poll cannot be what delivers it).
   */
  it('delivers a step held back behind a transaction that writes no step, soon after that transaction ends', async () => {
    const alarmId = await world.raiseAlarm(a, 'fall.detected');
    const client = await stream(centre, await operatorToken(a.centreId));
    await client.waitForReady();
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_current_xact_id()');
      await note(centre, a, alarmId, 'behind the blocker');
      const ended = Date.now();
      await blocker.query('COMMIT');
      await client.waitFor('the held-back note', (event) => event.data.includes('behind the blocker'), 10_000);
      expect(Date.now() - ended).toBeLessThan(10_000);
    } finally {
      await blocker.end();
    }
  });

  it('reads in an order no later commit can enter: the feed itself, with two transactions open', async () => {
    const alarmId = await world.raiseAlarm(b, 'fall.detected');
    const feed = centre.app.get(HandlingLogFeed);
    const scope = { responseCentreId: b.centreId };
    const start = await feed.now();
    const [early, late] = [
      new Client({ connectionString: database.url }),
      new Client({ connectionString: database.url }),
    ];
    await Promise.all([early.connect(), late.connect()]);
    const insert = (sql: Client) =>
      sql.query(
        `INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id) VALUES ($1, 'note', now(), 'operator', 'op-sql')`,
        [alarmId],
      );
    try {
      await early.query('BEGIN');
      await insert(early);
      await late.query('BEGIN');
      await insert(late);
      await late.query('COMMIT');
      const bySql = async (after = start) =>
        (await feed.after(scope, after, 100)).steps.filter(
          (step) => step.alarmId === alarmId && step.actorId === 'op-sql',
        );
      expect(await bySql()).toEqual([]);
      await early.query('COMMIT');
      const steps = await bySql();
      expect(steps).toHaveLength(2);
      expect(BigInt(steps[0].cursor.tx)).toBeLessThan(BigInt(steps[1].cursor.tx));
      // Everything after the last cursor is empty: the two are in, nothing is pending behind them.
      expect(await bySql(steps[1].cursor)).toEqual([]);
    } finally {
      await Promise.allSettled([early.end(), late.end()]);
    }
  });

  it('is not held back by a long transaction in another database of the same server', async () => {
    const alarmId = await world.raiseAlarm(b, 'fall.detected');
    const feed = centre.app.get(HandlingLogFeed);
    const start = await feed.now();
    const elsewhere = await createTestDatabase('live_stream_elsewhere');
    const [longRunning, writer] = [
      new Client({ connectionString: elsewhere.url }),
      new Client({ connectionString: database.url }),
    ];
    await Promise.all([longRunning.connect(), writer.connect()]);
    try {
      // Transaction ids are cluster-wide: this one, open in another database, is older than the note below.
      await longRunning.query('BEGIN');
      await longRunning.query('SELECT pg_current_xact_id()');
      await writer.query(
        `INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id) VALUES ($1, 'note', now(), 'operator', 'op-elsewhere')`,
        [alarmId],
      );
      const steps = (await feed.after({ responseCentreId: b.centreId }, start, 100)).steps.filter(
        (step) => step.actorId === 'op-elsewhere',
      );
      expect(steps).toHaveLength(1);
    } finally {
      await longRunning.query('ROLLBACK').catch(() => undefined);
      await Promise.allSettled([longRunning.end(), writer.end()]);
      await elsewhere.drop();
    }
  });

  it('serves the console page and its two files without a token, and nothing else under /console', async () => {
    const page = await fetch(`${centre.url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/console/console.js">');
    for (const [file, type] of [
      ['console.js', 'text/javascript'],
      ['console.css', 'text/css'],
    ]) {
      const asset = await fetch(`${centre.url}/console/${file}`);
      expect({ file, status: asset.status, type: asset.headers.get('content-type')?.split(';')[0] }).toEqual({
        file,
        status: 200,
        type,
      });
    }
    for (const path of ['/console/index.html', '/console/..%2Fconsole.controller.ts', '/console/secret.json'])
      expect((await fetch(`${centre.url}${path}`)).status).toBe(404);
  });

  it('ends its streams when the instance shuts down, so the server can close', async () => {
    const client = await stream(other, await operatorToken(a.centreId));
    await client.waitForReady();
    const started = Date.now();
    otherClosed = true;
    await other.close();
    expect(Date.now() - started).toBeLessThan(15_000);
    const ended = await Promise.race([
      client.ended.then(() => 'ended'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 5000)),
    ]);
    expect(ended).toBe('ended');
  });
});
