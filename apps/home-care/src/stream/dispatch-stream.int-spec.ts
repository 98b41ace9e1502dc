import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { DispatchRequestedRecord } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import {
  callHomeCare,
  dispatchRequested,
  DispatchProducer,
  dispatchStored,
  dispatchWithdrawn,
  EventStreamReader,
  nurseToken,
  ServerSentEvent,
} from '../../../../test/support/home-care';
import { RunningService, startHomeCare } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { operatorToken } from '../../../../test/support/tokens';

const stepOf = (event: ServerSentEvent) => `${event.json.entry.step}:${event.json.dispatch.id}`;

/**
 * The nurses' live stream (Server-Sent Events) against a running service: events per step,
 * fenced to the team; catch-up after a disconnect; no event skipped when transactions commit
 * out of order; heartbeats; a clean end on shutdown.
 */
describe("home care: the live stream of a team's dispatches", () => {
  let database: { url: string; drop(): Promise<void> };
  let homeCare: RunningService;
  let centre: DispatchProducer;
  let db: Pool;
  const streams: EventStreamReader[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('home_care_stream');
    [homeCare, centre] = await Promise.all([
      startHomeCare(database.url, { DISPATCH_STREAM_POLL_MS: '500' }),
      DispatchProducer.connect(),
    ]);
    db = new Pool({ connectionString: database.url, max: 2 });
  });

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  afterAll(async () => {
    await Promise.allSettled([centre?.close(), db?.end()]);
    await Promise.allSettled([homeCare?.close()]);
    await database?.drop();
  });

  async function open(
    token: string | null,
    query = '',
    headers: Record<string, string> = {},
    service = homeCare,
  ): Promise<EventStreamReader> {
    const stream = await EventStreamReader.open(`${service.url}/api/dispatches/stream${query}`, token, headers);
    streams.push(stream);
    return stream;
  }

  async function arrives(
    teamId: string,
    token: string,
    overrides: Partial<DispatchRequestedRecord> = {},
  ): Promise<DispatchRequestedRecord> {
    const record = dispatchRequested(teamId, overrides);
    await centre.send(record);
    await dispatchStored(homeCare.url, record, token);
    return record;
  }

  const step = (token: string, dispatchId: string, action: string, json?: unknown) =>
    callHomeCare(homeCare.url, 'POST', `/api/dispatches/${dispatchId}/${action}`, token, json);

  it("sends each step of the team's dispatches as it happens, with the dispatch as it is now, and nothing of another team", async () => {
    const [teamA, teamB] = [randomUUID(), randomUUID()];
    const [nurseA, nurseB] = await Promise.all([
      nurseToken(teamA, 'hanne', 'Hanne'),
      nurseToken(teamB, 'ivar', 'Ivar'),
    ]);
    const [streamA, streamB] = await Promise.all([open(nurseA), open(nurseB)]);
    expect(streamA.status).toBe(200);
    expect(streamA.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await streamA.waitFor((event) => event.event === 'ready');

    const record = await arrives(teamA, nurseA);
    const first = await streamA.waitFor(
      (event) => event.event === 'dispatch' && event.json.dispatch.id === record.dispatchId,
    );
    expect(first.id).toMatch(/^\d+\.\d+$/);
    expect(first.json).toMatchObject({
      cursor: first.id,
      entry: { step: 'requested', actorKind: 'response_centre', actorName: 'Anna Operator' },
      dispatch: {
        id: record.dispatchId,
        status: 'requested',
        resident: record.resident,
        instructions: record.instructions,
      },
    });

    expect((await step(nurseA, record.dispatchId, 'accept')).status).toBe(200);
    const accepted = await streamA.waitFor(
      (event) => event.event === 'dispatch' && event.json.entry.step === 'accepted',
    );
    expect(accepted.json).toMatchObject({
      entry: { actorId: 'hanne', actorName: 'Hanne' },
      dispatch: { status: 'accepted', acceptedBy: { id: 'hanne', name: 'Hanne' } },
    });
    await centre.send(dispatchWithdrawn(record, { reason: 'Ambulance took over' }));
    const withdrawn = await streamA.waitFor(
      (event) => event.event === 'dispatch' && event.json.entry.step === 'withdrawn',
    );
    expect(withdrawn.json.dispatch).toMatchObject({ status: 'withdrawn', withdrawalReason: 'Ambulance took over' });
    expect(streamA.dispatchEvents.map(stepOf)).toEqual([
      `requested:${record.dispatchId}`,
      `accepted:${record.dispatchId}`,
      `withdrawn:${record.dispatchId}`,
    ]);

    // Team B's stream is alive (it gets its own dispatch) and never carried team A's.
    const own = await arrives(teamB, nurseB);
    await streamB.waitFor((event) => event.event === 'dispatch' && event.json.dispatch.id === own.dispatchId);
    expect(streamB.dispatchEvents.map(stepOf)).toEqual([`requested:${own.dispatchId}`]);
    expect(streamB.events.map((event) => event.data).join('\n')).not.toContain(record.resident!.address);

    // Every event carried resident data: each was access-logged for the nurse who got it.
    const logged = await db.query(
      'SELECT action, resource_id FROM access_log WHERE actor_subject = $1 AND action = $2',
      ['hanne', 'dispatch.stream'],
    );
    expect(logged.rows.length).toBeGreaterThanOrEqual(3);
    expect(new Set(logged.rows.map((row: { resource_id: string }) => row.resource_id))).toEqual(
      new Set([record.dispatchId]),
    );
  });

  it("after a disconnect, Last-Event-ID (or ?since=) brings exactly the events missed, in order; the list's Stream-Cursor starts a stream where the list stands", async () => {
    const team = randomUUID();
    const nurse = await nurseToken(team, 'jon', 'Jon');
    const stream = await open(nurse);
    const a = await arrives(team, nurse);
    const seen = await stream.waitFor((event) => event.event === 'dispatch' && event.json.dispatch.id === a.dispatchId);
    stream.close();
    await stream.ended;

    // Missed while away: a's accept and en-route, and a new dispatch b.
    expect((await step(nurse, a.dispatchId, 'accept')).status).toBe(200);
    expect((await step(nurse, a.dispatchId, 'en-route')).status).toBe(200);
    const b = await arrives(team, nurse);
    const missed = [`accepted:${a.dispatchId}`, `en_route:${a.dispatchId}`, `requested:${b.dispatchId}`];

    const back = await open(nurse, '', { 'Last-Event-ID': seen.id! });
    await eventually(() => expect(back.dispatchEvents.map(stepOf)).toEqual(missed));
    const viaQuery = await open(nurse, `?since=${seen.id}`);
    await eventually(() => expect(viaQuery.dispatchEvents.map(stepOf)).toEqual(missed));
    // The header wins over the query: a reconnecting client sends its own newest position.
    const last = back.dispatchEvents[back.dispatchEvents.length - 1].id!;
    const both = await open(nurse, `?since=${seen.id}`, { 'Last-Event-ID': last });
    await both.waitFor((event) => event.event === 'ready');
    expect((await step(nurse, a.dispatchId, 'arrived')).status).toBe(200);
    await both.waitFor((event) => event.event === 'dispatch' && event.json.entry.step === 'arrived');
    expect(both.dispatchEvents.map(stepOf)).toEqual([`arrived:${a.dispatchId}`]);

    // List, then stream from its Stream-Cursor: nothing the list shows comes again as new, nothing after it is missed.
    const list = await callHomeCare<any[]>(homeCare.url, 'GET', '/api/dispatches', nurse);
    expect(list.body.map((dispatch) => dispatch.id).sort()).toEqual([a.dispatchId, b.dispatchId].sort());
    const cursor = list.headers.get('stream-cursor')!;
    const c = await arrives(team, nurse);
    const fromList = await open(nurse, `?since=${cursor}`);
    await fromList.waitFor((event) => event.event === 'dispatch' && event.json.dispatch.id === c.dispatchId);
    expect(fromList.dispatchEvents.map(stepOf)).toEqual([`requested:${c.dispatchId}`]);

    for (const bad of ['?since=abc', '?since=1.2.3', '?since=99999999999999999999999.1']) {
      const refused = await open(nurse, bad);
      expect({ bad, status: refused.status }).toEqual({ bad, status: 400 });
    }
    const badHeader = await open(nurse, '', { 'Last-Event-ID': 'yesterday' });
    expect(badHeader.status).toBe(400);
    expect(badHeader.refusal.message).toMatch(/Last-Event-ID/);
  });

  it('does not skip a row whose transaction took its id first but committed last (ids do not commit in order)', async () => {
    const team = randomUUID();
    const nurse = await nurseToken(team, 'kaia', 'Kaia');
    const first = await arrives(team, nurse);
    const stream = await open(nurse);
    await stream.waitFor((event) => event.event === 'ready');
    const before = stream.events[stream.events.length - 1].id!;

    // A slow writer: a dispatch and its log row written in a transaction that stays open.
    const slowId = randomUUID();
    const slow = new Client({ connectionString: database.url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO dispatches (id, alarm_id, home_care_team_id, municipality_id, response_centre_id, priority, trigger_type, instructions, resident, resident_id,
           requested_by_id, requested_by_name, requested_at, accept_by, received_at, status, updated_at)
         VALUES ($1, $2, $3, $4, $5, 1, 'alarm.button', 'slow writer', NULL, NULL, 'operator-anna', 'Anna Operator', now(), now() + interval '1 hour', now(), 'requested', now())`,
        [slowId, randomUUID(), team, randomUUID(), randomUUID()],
      );
      const [{ id: slowRowId }] = (
        await slow.query(
          `INSERT INTO dispatch_log (dispatch_id, home_care_team_id, step, at, actor_kind, actor_id, actor_name) VALUES ($1, $2, 'requested', now(), 'response_centre', 'operator-anna', 'Anna Operator') RETURNING id`,
          [slowId, team],
        )
      ).rows;

      // Meanwhile a nurse accepts the first dispatch: its row gets a higher id and commits first.
      expect((await step(nurse, first.dispatchId, 'accept')).status).toBe(200);
      const [{ id: fastRowId }] = (
        await db.query(`SELECT id FROM dispatch_log WHERE dispatch_id = $1 AND step = 'accepted'`, [first.dispatchId])
      ).rows;
      expect(BigInt(fastRowId)).toBeGreaterThan(BigInt(slowRowId));
      // A stream that moved past the accepted row now (as a cursor on ids would) could never go back for the slow one.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(stream.dispatchEvents.map(stepOf)).toEqual([]);

      await slow.query('COMMIT');
    } finally {
      await slow.end();
    }
    await eventually(() =>
      expect(stream.dispatchEvents.map(stepOf)).toEqual([`requested:${slowId}`, `accepted:${first.dispatchId}`]),
    );
    // And a client that comes back from before gets both too.
    const again = await open(nurse, '', { 'Last-Event-ID': before });
    await eventually(() =>
      expect(again.dispatchEvents.map(stepOf)).toEqual([`requested:${slowId}`, `accepted:${first.dispatchId}`]),
    );
  });

  it('refuses without a token (401) and to other roles (403), before streaming', async () => {
    const none = await open(null);
    expect(none.status).toBe(401);
    const operator = await open(await operatorToken(randomUUID()));
    expect(operator.status).toBe(403);
  });

  it('sends heartbeat comments, and on shutdown a last `shutdown` event and a clean end; the service closes promptly', async () => {
    const own = await createTestDatabase('home_care_stream_stop');
    const service = await startHomeCare(own.url, { DISPATCH_STREAM_HEARTBEAT_MS: '1000' });
    try {
      const team = randomUUID();
      const stream = await open(await nurseToken(team), '', {}, service);
      await eventually(() => expect(stream.comments).toContain('keepalive'), 5000);
      const started = Date.now();
      await service.close();
      expect(Date.now() - started).toBeLessThan(10_000);
      await stream.ended;
      expect(stream.events.map((event) => event.event)).toEqual(['ready', 'shutdown']);
    } finally {
      await service.close().catch(() => undefined);
      await own.drop();
    }
  });
});
