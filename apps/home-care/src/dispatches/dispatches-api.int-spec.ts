import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DispatchRequestedRecord, KafkaTopics } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import {
  callHomeCare,
  dispatchRequested,
  DispatchProducer,
  dispatchStored,
  dispatchWithdrawn,
  nurseToken,
} from '../../../../test/support/home-care';
import { KafkaTap, TappedRecord } from '../../../../test/support/kafka-tap';
import { RunningService, startHomeCare } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';
import { operatorToken, tokenFor } from '../../../../test/support/tokens';
import { DispatchExpiryService } from './dispatch-expiry.service';

interface UpdateJson {
  v: number;
  type: string;
  updateId: string;
  dispatchId: string;
  alarmId: string;
  homeCareTeamId: string;
  actor: { id: string; name: string | null };
  at: string;
  reason?: string;
  report?: string;
}

/**
 * The home-care service on real Kafka and PostgreSQL. The response centre's side is played by
 * this test: it produces dispatch records on dispatches.v1 and reads what home care answers on
 * dispatch-updates.v1. The topics are shared with other test files, so every assertion is
 * narrowed to this file's own dispatch and team ids.
 */
describe("home care: dispatches from the centre, the nurses' API, expiry", () => {
  let database: { url: string; drop(): Promise<void> };
  let homeCare: RunningService;
  let centre: DispatchProducer;
  let updates: KafkaTap;
  let deadLetters: KafkaTap;
  let db: Pool;
  const team = randomUUID();
  const otherTeam = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('home_care_api');
    [homeCare, centre, updates, deadLetters] = await Promise.all([
      startHomeCare(database.url),
      DispatchProducer.connect(),
      KafkaTap.open(KafkaTopics.dispatchUpdates),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter),
    ]);
    db = new Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await Promise.allSettled([updates?.close(), deadLetters?.close(), centre?.close(), db?.end()]);
    await Promise.allSettled([homeCare?.close()]);
    await database?.drop();
  });

  const tokens = new Map<string, Promise<string>>();
  /** A nurse of `teamId` by subject; the display name is "Nurse <subject>". */
  const nurse = (sub: string, teamId = team) => {
    const key = `${teamId}/${sub}`;
    return tokens.get(key) ?? tokens.set(key, nurseToken(teamId, sub, `Nurse ${sub}`)).get(key)!;
  };
  const call = async <T = any>(method: string, path: string, sub: string | null, json?: unknown, teamId = team) =>
    callHomeCare<T>(homeCare.url, method, path, sub === null ? null : await nurse(sub, teamId), json);
  const step = (dispatchId: string, action: string, sub: string, json?: unknown) =>
    call('POST', `/api/dispatches/${dispatchId}/${action}`, sub, json);

  async function arrives(
    overrides: Partial<DispatchRequestedRecord> = {},
    teamId = team,
  ): Promise<DispatchRequestedRecord> {
    const record = dispatchRequested(teamId, overrides);
    await centre.send(record);
    await dispatchStored(homeCare.url, record, await nurse('reader', teamId));
    return record;
  }

  const sql = async <T = any>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await db.query(text, params)).rows as T[];
  const updatesOf = (dispatchId: string): UpdateJson[] =>
    updates.records
      .filter((record) => (record.value as unknown as UpdateJson).dispatchId === dispatchId)
      .map((record) => record.value as unknown as UpdateJson);
  const logOf = (dispatchId: string) =>
    sql<{
      step: string;
      actor_kind: string;
      actor_id: string;
      actor_name: string | null;
      details: Record<string, unknown>;
    }>('SELECT step, actor_kind, actor_id, actor_name, details FROM dispatch_log WHERE dispatch_id = $1 ORDER BY id', [
      dispatchId,
    ]);

  /**
   * Waits until the consumer has taken everything produced before now on `alarmId`'s partition:
   * a marker dispatch with the same key (hence partition) comes after them and is stored last.
   */
  async function drained(alarmId: string): Promise<void> {
    await arrives({ alarmId });
  }

  it('stores a dispatch from the centre and lists it for its team, with the resident, access-logged; other teams do not see it', async () => {
    const record = await arrives({ priority: 2 });
    const list = await call<any[]>('GET', '/api/dispatches', 'lena');
    expect(list.status).toBe(200);
    expect(list.headers.get('stream-cursor')).toMatch(/^\d+\.0$/);
    const listed = list.body.find((dispatch) => dispatch.id === record.dispatchId);
    expect(listed).toMatchObject({
      id: record.dispatchId,
      alarmId: record.alarmId,
      homeCareTeamId: team,
      status: 'requested',
      active: true,
      priority: 2,
      triggerType: 'fall.detected',
      instructions: record.instructions,
      resident: record.resident,
      requestedBy: record.requestedBy,
      acceptBy: record.acceptBy,
      acceptedBy: null,
    });
    const detail = await call('GET', `/api/dispatches/${record.dispatchId}`, 'lena');
    expect(detail.body.log).toEqual([
      expect.objectContaining({
        step: 'requested',
        actorKind: 'response_centre',
        actorId: 'operator-anna',
        actorName: 'Anna Operator',
      }),
    ]);

    const elsewhere = await call<any[]>('GET', '/api/dispatches', 'ola', undefined, otherTeam);
    expect(elsewhere.status).toBe(200);
    expect(JSON.stringify(elsewhere.body)).not.toContain(record.dispatchId);
    expect(JSON.stringify(elsewhere.body)).not.toContain(record.resident!.address);
    const read = await call('GET', `/api/dispatches/${record.dispatchId}`, 'ola', undefined, otherTeam);
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain(record.resident!.address);

    const logged = await sql(
      'SELECT actor_subject, actor_roles, actor_tenant, action, resource_id, resident_id FROM access_log WHERE actor_subject = $1 AND resource_id = $2 ORDER BY id',
      ['lena', record.dispatchId],
    );
    expect(logged).toEqual([
      {
        actor_subject: 'lena',
        actor_roles: 'home-care',
        actor_tenant: team,
        action: 'dispatch.list',
        resource_id: record.dispatchId,
        resident_id: record.resident!.residentId,
      },
      {
        actor_subject: 'lena',
        actor_roles: 'home-care',
        actor_tenant: team,
        action: 'dispatch.read',
        resource_id: record.dispatchId,
        resident_id: record.resident!.residentId,
      },
    ]);
    expect(
      await sql('SELECT 1 FROM access_log WHERE actor_subject = $1 AND resource_id = $2', ['ola', record.dispatchId]),
    ).toEqual([]);
  });

  it('lists active dispatches first (most urgent, then oldest), then finished ones, and filters by status', async () => {
    const t = (seconds: number) => new Date(Date.now() - 600_000 + seconds * 1000).toISOString();
    const listTeam = randomUUID();
    const late2 = await arrives({ priority: 2, requestedAt: t(30) }, listTeam);
    const early2 = await arrives({ priority: 2, requestedAt: t(10) }, listTeam);
    const urgent = await arrives({ priority: 1, requestedAt: t(20) }, listTeam);
    const done = await arrives({ priority: 1, requestedAt: t(0) }, listTeam);
    expect((await step(done.dispatchId, 'decline', 'siv', { reason: 'nobody free' })).status).toBe(404); // siv is of another team
    const declined = await callHomeCare(
      homeCare.url,
      'POST',
      `/api/dispatches/${done.dispatchId}/decline`,
      await nurse('siv', listTeam),
      { reason: 'nobody free' },
    );
    expect(declined.status).toBe(200);
    const list = await callHomeCare<any[]>(homeCare.url, 'GET', '/api/dispatches', await nurse('siv', listTeam));
    expect(list.body.map((dispatch) => dispatch.id)).toEqual([
      urgent.dispatchId,
      early2.dispatchId,
      late2.dispatchId,
      done.dispatchId,
    ]);
    const onlyDeclined = await callHomeCare<any[]>(
      homeCare.url,
      'GET',
      '/api/dispatches?status=declined',
      await nurse('siv', listTeam),
    );
    expect(onlyDeclined.body.map((dispatch) => dispatch.id)).toEqual([done.dispatchId]);
    const some = await callHomeCare<any[]>(
      homeCare.url,
      'GET',
      '/api/dispatches?status=requested,declined&limit=2',
      await nurse('siv', listTeam),
    );
    expect(some.body.map((dispatch) => dispatch.id)).toEqual([urgent.dispatchId, early2.dispatchId]);
    for (const bad of ['?status=lost', '?status=', '?limit=0', '?limit=501', '?limit=x', '?colour=red']) {
      const answer = await callHomeCare(homeCare.url, 'GET', `/api/dispatches${bad}`, await nurse('siv', listTeam));
      expect({ bad, status: answer.status, hasMessage: typeof answer.body.message }).toEqual({
        bad,
        status: 400,
        hasMessage: expect.stringMatching(/string|object/),
      });
    }
  });

  it('a redelivered dispatch.requested changes nothing: one dispatch, one log row, its state kept', async () => {
    const record = await arrives();
    expect((await step(record.dispatchId, 'accept', 'mona')).status).toBe(200);
    await centre.send(record, record, { ...record, instructions: 'changed on the way' });
    await drained(record.alarmId);
    expect(
      await sql('SELECT status, instructions, accepted_by_id FROM dispatches WHERE id = $1', [record.dispatchId]),
    ).toEqual([{ status: 'accepted', instructions: record.instructions, accepted_by_id: 'mona' }]);
    expect((await logOf(record.dispatchId)).map((row) => row.step)).toEqual(['requested', 'accepted']);
  });

  it('two nurses accepting at once: exactly one wins (200), the other gets 409 naming who has it; the winner asking again gets 200', async () => {
    for (let round = 0; round < 5; round++) {
      const record = await arrives();
      const [first, second] = await Promise.all([
        step(record.dispatchId, 'accept', 'per'),
        step(record.dispatchId, 'accept', 'pia'),
      ]);
      expect([first.status, second.status].sort()).toEqual([200, 409]);
      const [won, lost] = first.status === 200 ? [first, second] : [second, first];
      const winner = won.body.acceptedBy as { id: string; name: string };
      expect(won.body).toMatchObject({ status: 'accepted', acceptedBy: { id: expect.stringMatching(/^(per|pia)$/) } });
      expect(lost.body).toMatchObject({
        statusCode: 409,
        error: 'dispatch_already_accepted',
        acceptedBy: winner.name,
        message: expect.stringContaining(winner.name),
      });
      const again = await step(record.dispatchId, 'accept', winner.id);
      expect(again.status).toBe(200);
      expect((await logOf(record.dispatchId)).map((row) => `${row.step}:${row.actor_id}`)).toEqual([
        'requested:operator-anna',
        `accepted:${winner.id}`,
      ]);
      await eventually(() =>
        expect(updatesOf(record.dispatchId).map((update) => `${update.type}:${update.actor.id}`)).toEqual([
          `dispatch.accepted:${winner.id}`,
        ]),
      );
    }
  });

  it('declining needs a reason (400 without); it ends the dispatch for the team and tells the centre why', async () => {
    const record = await arrives();
    for (const body of [
      undefined,
      {},
      { reason: '' },
      { reason: '   ' },
      { reason: 42 },
      { reason: 'x'.repeat(2001) },
      { reason: 'busy', extra: 1 },
    ]) {
      const answer = await step(record.dispatchId, 'decline', 'rune', body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      expect(JSON.stringify(answer.body.message)).toMatch(/reason|extra/);
    }
    const declined = await step(record.dispatchId, 'decline', 'rune', {
      reason: '  Both nurses are on a visit in Sande  ',
    });
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({
      status: 'declined',
      active: false,
      declinedBy: { id: 'rune', name: 'Nurse rune' },
      declineReason: 'Both nurses are on a visit in Sande',
    });
    expect((await step(record.dispatchId, 'decline', 'rune', { reason: 'again' })).status).toBe(200);
    const accept = await step(record.dispatchId, 'accept', 'siri');
    expect(accept.body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_declined',
      message: expect.stringContaining('Nurse rune'),
    });
    const update = await updates.waitFor(
      (tapped) => (tapped.value as unknown as UpdateJson).dispatchId === record.dispatchId,
    );
    expect(update.key).toBe(record.alarmId);
    expect(update.value).toMatchObject({
      type: 'dispatch.declined',
      reason: 'Both nurses are on a visit in Sande',
      actor: { id: 'rune', name: 'Nurse rune' },
    });
  });

  it('a nurse who accepted cannot decline (hand-back goes through the centre); nobody can decline an accepted dispatch', async () => {
    const record = await arrives();
    expect((await step(record.dispatchId, 'accept', 'tor')).status).toBe(200);
    expect((await step(record.dispatchId, 'decline', 'tor', { reason: 'changed my mind' })).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_accepted_by_you',
      message: expect.stringMatching(/call the response centre/),
    });
    expect((await step(record.dispatchId, 'decline', 'una', { reason: 'we cannot' })).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_already_accepted',
      acceptedBy: 'Nurse tor',
    });
  });

  it('the whole visit: accepted, en route, arrived, completed reach the centre in order, exactly once, even when a flaky phone repeats each step', async () => {
    const record = await arrives();
    const id = record.dispatchId;
    for (const [action, body] of [
      ['accept'],
      ['en-route'],
      ['arrived'],
      ['complete', { report: 'Helped her up, no injuries. Alarm tested.' }],
    ] as [string, unknown?][]) {
      const first = await step(id, action, 'vera', body);
      expect({ action, status: first.status }).toEqual({ action, status: 200 });
      const repeat = await step(id, action, 'vera', body);
      expect({ action, status: repeat.status }).toEqual({ action, status: 200 });
    }
    // Steps already behind, repeated late by the same nurse (a queued retry), are not errors either.
    expect((await step(id, 'en-route', 'vera')).status).toBe(200);
    const done = await call('GET', `/api/dispatches/${id}`, 'vera');
    expect(done.body).toMatchObject({
      status: 'completed',
      active: false,
      report: 'Helped her up, no injuries. Alarm tested.',
      completedBy: { id: 'vera' },
      arrivedBy: { id: 'vera' },
      enRouteBy: { id: 'vera' },
    });
    expect(done.body.log.map((entry: { step: string }) => entry.step)).toEqual([
      'requested',
      'accepted',
      'en_route',
      'arrived',
      'completed',
    ]);

    await drained(record.alarmId); // and a marker update after everything of this alarm:
    const marker = await arrives({ alarmId: record.alarmId });
    expect((await step(marker.dispatchId, 'accept', 'vera')).status).toBe(200);
    await updates.waitFor((tapped) => (tapped.value as unknown as UpdateJson).dispatchId === marker.dispatchId);
    const sent = updates.records.filter(
      (tapped: TappedRecord) => (tapped.value as unknown as UpdateJson).dispatchId === id,
    );
    expect(sent.map((tapped) => tapped.value.type)).toEqual([
      'dispatch.accepted',
      'dispatch.en_route',
      'dispatch.arrived',
      'dispatch.completed',
    ]);
    expect(new Set(sent.map((tapped) => tapped.partition)).size).toBe(1);
    expect(sent.every((tapped) => tapped.key === record.alarmId)).toBe(true);
    expect(new Set(sent.map((tapped) => tapped.value.updateId)).size).toBe(4);
    for (const tapped of sent) {
      expect(tapped.value).toEqual({
        v: 1,
        type: tapped.value.type,
        updateId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        dispatchId: id,
        alarmId: record.alarmId,
        homeCareTeamId: team,
        actor: { id: 'vera', name: 'Nurse vera' },
        at: expect.any(String),
        ...(tapped.value.type === 'dispatch.completed' ? { report: 'Helped her up, no injuries. Alarm tested.' } : {}),
      });
    }
    // The log is a record of care given: the database refuses to change it.
    await expect(
      sql('UPDATE dispatch_log SET actor_id = $1 WHERE dispatch_id = $2', ['someone-else', id]),
    ).rejects.toThrow(/append-only/);
    await expect(sql('DELETE FROM dispatch_log WHERE dispatch_id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(sql('TRUNCATE dispatch_log CASCADE')).rejects.toThrow(/append-only/);
  });

  it('steps only in order, with a 409 that says what to do; the report is required; a colleague may go in place of the one who accepted', async () => {
    const record = await arrives();
    const id = record.dispatchId;
    expect((await step(id, 'en-route', 'ali')).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_not_accepted',
      message: expect.stringMatching(/accept it before/),
    });
    expect((await step(id, 'accept', 'ali')).status).toBe(200);
    expect((await step(id, 'arrived', 'ali')).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_wrong_order',
      message: 'the dispatch is accepted: mark it en route before arrived',
    });
    expect((await step(id, 'complete', 'ali', { report: 'x' })).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_wrong_order',
      message: expect.stringMatching(/mark it en route before completed/),
    });
    expect((await step(id, 'en-route', 'bo')).status).toBe(200); // a colleague goes
    expect((await step(id, 'en-route', 'ali')).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_step_done',
      message: expect.stringContaining('Nurse bo'),
    });
    expect((await step(id, 'arrived', 'bo')).status).toBe(200);
    for (const body of [undefined, {}, { report: ' ' }, { report: 'x'.repeat(4001) }]) {
      expect((await step(id, 'complete', 'bo', body)).status).toBe(400);
    }
    expect((await step(id, 'complete', 'bo', { report: 'All well' })).status).toBe(200);
    expect((await step(id, 'complete', 'ali', { report: 'me too' })).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_step_done',
    });
  });

  it("answers 401 without a token, 403 to other roles, 400 for a malformed id, 404 for an unknown or another team's dispatch", async () => {
    const record = await arrives();
    const id = record.dispatchId;
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/dispatches'],
      ['GET', `/api/dispatches/${id}`],
      ['POST', `/api/dispatches/${id}/accept`],
      ['POST', `/api/dispatches/${id}/decline`, { reason: 'no' }],
      ['POST', `/api/dispatches/${id}/en-route`],
      ['POST', `/api/dispatches/${id}/arrived`],
      ['POST', `/api/dispatches/${id}/complete`, { report: 'r' }],
      ['GET', '/api/dispatches/stream'],
    ];
    const operator = await operatorToken(randomUUID());
    const admin = await tokenFor({ role: 'municipality-admin', municipalityId: randomUUID() });
    for (const [method, path, body] of routes) {
      expect({ path, status: (await callHomeCare(homeCare.url, method, path, null, body)).status }).toEqual({
        path,
        status: 401,
      });
      expect({ path, status: (await callHomeCare(homeCare.url, method, path, operator, body)).status }).toEqual({
        path,
        status: 403,
      });
      expect({ path, status: (await callHomeCare(homeCare.url, method, path, admin, body)).status }).toEqual({
        path,
        status: 403,
      });
      if (path.includes(id)) {
        const other = await call(method, path, 'x', body, otherTeam);
        expect({ path, status: other.status, body: other.body }).toEqual({
          path,
          status: 404,
          body: expect.objectContaining({ error: 'dispatch_not_found' }),
        });
        expect((await call(method, path.replace(id, randomUUID()), 'x', body)).status).toBe(404);
        expect((await call(method, path.replace(id, 'not-a-uuid'), 'x', body)).status).toBe(400);
      }
    }
    expect(await sql('SELECT status FROM dispatches WHERE id = $1', [id])).toEqual([{ status: 'requested' }]);
  });

  it('dead-letters records it cannot use, with the reason, and the dispatch behind them still arrives', async () => {
    const alarmId = randomUUID();
    const stranger = dispatchRequested(team, { alarmId });
    await centre.sendRaw(alarmId, 'not json at all');
    await centre.send({ ...dispatchRequested(team, { alarmId }), priority: 7 });
    await centre.sendRaw(alarmId, JSON.stringify({ v: 1, type: 'dispatch.cancelled', alarmId }));
    await centre.send(dispatchWithdrawn(stranger));
    const good = await arrives({ alarmId });
    const letters = await eventually(() => {
      const found = deadLetters.records.filter((record) => record.key === alarmId);
      expect(found).toHaveLength(4);
      return found;
    });
    expect(letters.map((letter) => letter.value.reason)).toEqual([
      'invalid_json',
      'invalid_field',
      'invalid_field',
      'unknown_dispatch',
    ]);
    for (const letter of letters) {
      expect(letter.value).toMatchObject({
        v: 1,
        source: 'home-care',
        origin: { kind: 'kafka', topic: KafkaTopics.dispatches, consumerGroup: expect.any(String) },
        payload: { encoding: 'utf8' },
      });
      expect(letter.headers.reason).toBe(letter.value.reason);
    }
    expect(String(letters[1].value.detail)).toMatch(/priority/);
    expect(String(letters[3].value.detail)).toContain(stranger.dispatchId);
    expect(await sql('SELECT id FROM dispatches WHERE alarm_id = $1', [alarmId])).toEqual([{ id: good.dispatchId }]);
  });

  it('a withdrawal marks the dispatch withdrawn (the nurse sees why); later steps get 409; a redelivered one changes nothing; a finished dispatch stays as it is', async () => {
    const waiting = await arrives();
    const underway = await arrives();
    const finished = await arrives();
    expect((await step(underway.dispatchId, 'accept', 'eva')).status).toBe(200);
    expect((await step(underway.dispatchId, 'en-route', 'eva')).status).toBe(200);
    expect((await step(finished.dispatchId, 'decline', 'eva', { reason: 'no car' })).status).toBe(200);
    for (const record of [waiting, underway, finished])
      await centre.send(dispatchWithdrawn(record), dispatchWithdrawn(record));
    for (const record of [waiting, underway, finished]) await drained(record.alarmId);

    for (const record of [waiting, underway]) {
      const seen = await call('GET', `/api/dispatches/${record.dispatchId}`, 'eva');
      expect(seen.body).toMatchObject({
        status: 'withdrawn',
        active: false,
        withdrawalReason: 'The resident called back: false alarm',
        withdrawnBy: { id: 'operator-anna', name: 'Anna Operator' },
      });
      expect(seen.body.log.filter((entry: { step: string }) => entry.step === 'withdrawn')).toHaveLength(1);
    }
    const late = await step(underway.dispatchId, 'arrived', 'eva');
    expect(late.body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_withdrawn',
      message: 'the response centre withdrew this dispatch: The resident called back: false alarm',
    });
    expect((await step(waiting.dispatchId, 'accept', 'eva')).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_withdrawn',
    });
    expect((await call('GET', `/api/dispatches/${finished.dispatchId}`, 'eva')).body).toMatchObject({
      status: 'declined',
      withdrawnAt: null,
    });
    // Home care does not answer a withdrawal on dispatch-updates (the centre made it).
    expect(updatesOf(waiting.dispatchId)).toEqual([]);
  });

  it('expires a dispatch nobody accepted by acceptBy: 409 "expired" to a late accept, dispatch.expired to the centre once', async () => {
    const record = await arrives({ acceptBy: new Date(Date.now() - 1000).toISOString() });
    const late = await step(record.dispatchId, 'accept', 'kim');
    expect(late.body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_expired',
      message: expect.stringContaining('expired'),
    });
    expect((await step(record.dispatchId, 'decline', 'kim', { reason: 'late' })).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_expired',
    });
    const expiry = homeCare.app.get(DispatchExpiryService);
    const now = new Date();
    expect(await expiry.expireDue(now)).toBeGreaterThanOrEqual(1);
    await expiry.expireDue(now);
    const seen = await call('GET', `/api/dispatches/${record.dispatchId}`, 'kim');
    expect(seen.body).toMatchObject({ status: 'expired', active: false, expiredAt: now.toISOString() });
    expect(
      seen.body.log.map(
        (entry: { step: string; actorKind: string; actorId: string }) =>
          `${entry.step}:${entry.actorKind}:${entry.actorId}`,
      ),
    ).toEqual(['requested:response_centre:operator-anna', 'expired:system:home-care']);
    expect((await step(record.dispatchId, 'accept', 'kim')).body).toMatchObject({
      statusCode: 409,
      error: 'dispatch_expired',
    });
    const update = await updates.waitFor(
      (tapped) => (tapped.value as unknown as UpdateJson).dispatchId === record.dispatchId,
    );
    expect(update.value).toMatchObject({
      type: 'dispatch.expired',
      actor: { id: 'home-care', name: null },
      at: now.toISOString(),
      alarmId: record.alarmId,
    });
    await drained(record.alarmId);
    expect(updatesOf(record.dispatchId)).toHaveLength(1);
  });

  it('an accept and the expiry at the same moment: exactly one wins for each dispatch, and the centre hears only the winner', async () => {
    const acceptBy = new Date(Date.now() + 60_000);
    const expiry = homeCare.app.get(DispatchExpiryService);
    const outcomes = { accepted: 0, expired: 0 };
    for (let round = 0; round < 3; round++) {
      const records = await Promise.all(Array.from({ length: 6 }, () => arrives({ acceptBy: acceptBy.toISOString() })));
      const [expiredCount, ...accepts] = await Promise.all([
        expiry.expireDue(new Date(acceptBy.getTime() + 1)),
        ...records.map((record, index) => step(record.dispatchId, 'accept', `racer-${index}`)),
      ]);
      for (const [index, record] of records.entries()) {
        const answer = accepts[index];
        const steps = (await logOf(record.dispatchId)).map((row) => row.step);
        if (answer.status === 200) {
          expect(steps).toEqual(['requested', 'accepted']);
          outcomes.accepted++;
        } else {
          expect(answer.body).toMatchObject({ statusCode: 409, error: 'dispatch_expired' });
          expect(steps).toEqual(['requested', 'expired']);
          outcomes.expired++;
        }
      }
      // The sweep also expires earlier tests' unanswered dispatches that are due by then; of this round's, exactly the refused ones.
      expect(expiredCount).toBeGreaterThanOrEqual(accepts.filter((answer) => answer.status === 409).length);
      await eventually(() => {
        for (const [index, record] of records.entries()) {
          expect(updatesOf(record.dispatchId).map((update) => update.type)).toEqual([
            accepts[index].status === 200 ? 'dispatch.accepted' : 'dispatch.expired',
          ]);
        }
      });
    }
    process.stdout.write(`accept vs expiry race: ${outcomes.accepted} accepted, ${outcomes.expired} expired of 18\n`);
  });

  it('serves the phone page without a token: HTML, one ES module, CSS, with a strict content security policy', async () => {
    const page = await fetch(`${homeCare.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    expect(html).toContain('aria-live');
    const script = await fetch(`${homeCare.url}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("'/api/dispatches/stream'");
    expect((await fetch(`${homeCare.url}/app.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${homeCare.url}/../package.json`)).status).toBe(404);
    expect((await fetch(`${homeCare.url}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${homeCare.url}/metrics`)).text();
    expect(metrics).toMatch(/dispatch_records_total\{[^}]*type="dispatch.requested"/);
  });

  it('keeps a dispatch whose text holds a NUL character (PostgreSQL refuses it in text): replaced, not dead-lettered', async () => {
    const record = await arrives({
      instructions: 'Go now\u0000 please',
      requestedBy: { id: uniqueName('op'), name: 'A\u0000B' },
    });
    const seen = await call('GET', `/api/dispatches/${record.dispatchId}`, 'lena');
    expect(seen.body).toMatchObject({ instructions: 'Go now\uFFFD please', requestedBy: { name: 'A\uFFFDB' } });
  });
});
