import { randomUUID } from 'node:crypto';
import { decodeDispatchRecord, KafkaTopics } from '@welfare/contracts';
import { CentreWorld, Place } from '../../../../test/support/centre-world';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap } from '../../../../test/support/kafka-tap';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';
import { homeCareToken, operatorToken, supervisorToken } from '../../../../test/support/tokens';
import { UnansweredDispatchesService } from './unanswered-dispatches.service';

interface DispatchJson {
  id: string;
  alarmId?: string;
  homeCareTeamId: string;
  homeCareTeamName: string;
  status: string;
  acceptBy: string;
  requestedAt: string;
  acceptedBy: { id: string; name: string | null } | null;
  instructions: string;
  withdrawReason: string | null;
}

interface AlarmDetailJson {
  id: string;
  state: string;
  escalationLevel: number;
  dispatch: DispatchJson | null;
  dispatches: DispatchJson[];
  homeCareTeams: { id: string; name: string }[];
  resident: unknown;
  log: { step: string; actorKind: string; actorId: string; details: Record<string, any> }[];
}

/**
 * Dispatch to home care on real Kafka and PostgreSQL: the registry's teams are published to the
 * centre's view, an operator dispatches a team of the alarm's municipality, home care's updates
 * (produced here as the home-care service will) become handling-log steps, a no or an expiry
 * escalates the alarm, and the backstop marks a dispatch nobody answered (driven with a chosen
 * "now"). Every other file's records share the topics: assertions are narrowed to this file's ids.
 */
describe('response centre: dispatch to home-care teams', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let world: CentreWorld;
  let dispatches: KafkaTap;
  let alarmEvents: KafkaTap;
  let deadLetters: KafkaTap;

  beforeAll(async () => {
    database = await createTestDatabase('dispatch');
    centre = await startResponseCentre(database.url, {
      KAFKA_CONSUMER_GROUP: uniqueName('rc-dispatch'),
      DISPATCH_UNANSWERED_GRACE_SECONDS: '60',
    });
    world = await CentreWorld.open(centre, database.url);
    [dispatches, alarmEvents, deadLetters] = await Promise.all([
      KafkaTap.open(KafkaTopics.dispatches),
      KafkaTap.open(KafkaTopics.alarmEvents),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([dispatches?.close(), alarmEvents?.close(), deadLetters?.close(), world?.close()]);
    await Promise.allSettled([centre?.close()]);
    await database?.drop();
  });

  const asOperator = (place: Place, operator = 'op-taker') => operatorToken(place.centreId, operator);

  async function detail(place: Place, alarmId: string): Promise<AlarmDetailJson> {
    const answer = await world.call<AlarmDetailJson>('GET', `/api/alarms/${alarmId}`, await asOperator(place));
    expect(answer.status).toBe(200);
    return answer.body;
  }

  async function dispatch(place: Place, alarmId: string, body: Record<string, unknown> = {}, operator = 'op-taker') {
    return world.call<AlarmDetailJson & { error?: string; message?: string }>(
      'POST',
      `/api/alarms/${alarmId}/dispatches`,
      await asOperator(place, operator),
      {
        homeCareTeamId: place.teamId,
        instructions: 'Resident pressed the button, does not answer the phone. Key box by the door.',
        ...body,
      },
    );
  }

  /** Dispatches and returns the new dispatch, as the operator sees it. */
  async function dispatched(
    place: Place,
    alarmId: string,
    body: Record<string, unknown> = {},
  ): Promise<DispatchJson & { alarmId: string }> {
    const answer = await dispatch(place, alarmId, body);
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 201, error: undefined });
    return { ...answer.body.dispatches.at(-1)!, alarmId };
  }

  async function withdraw(
    place: Place,
    alarmId: string,
    dispatchId: string,
    reason = 'Resident called back: all is well',
  ) {
    return world.call('POST', `/api/alarms/${alarmId}/dispatches/${dispatchId}/withdraw`, await asOperator(place), {
      reason,
    });
  }

  async function waitForStep(alarmId: string, step: string, count = 1) {
    return eventually(async () => {
      const steps = (await world.steps(alarmId)).filter((entry) => entry.step === step);
      expect(steps.length).toBeGreaterThanOrEqual(count);
      return steps;
    });
  }

  const dispatchRow = async (id: string) => (await world.sql('SELECT * FROM dispatches WHERE id = $1', [id]))[0];

  describe('the registry view of home-care teams', () => {
    it("keeps the highest revision of each team, whatever order the records come in, and lists the municipality's teams on the alarm", async () => {
      const place = await world.place();
      const renamed = { teamId: place.teamId, municipalityId: place.municipalityId };
      await world.publishTeam({ ...renamed, revision: 3, name: 'Nordbyen hjemmetjeneste' });
      await world.publishTeam({ ...renamed, revision: 2, name: 'An older name' });
      await world.publishTeam({ ...renamed, revision: 1, name: 'The oldest name' });
      const nightTeam = randomUUID();
      await world.publishTeam({ teamId: nightTeam, municipalityId: place.municipalityId, name: 'Nattpatrulje' });
      const gone = randomUUID();
      await world.publishTeam({
        teamId: gone,
        municipalityId: place.municipalityId,
        name: 'Closed team',
        deleted: true,
      });
      await world.publishTeam({ teamId: randomUUID(), municipalityId: randomUUID(), name: 'Another municipality' });

      await eventually(async () =>
        expect(
          (
            await world.sql('SELECT revision, name FROM registry_home_care_teams WHERE team_id = $1', [place.teamId])
          )[0],
        ).toEqual({ revision: '3', name: 'Nordbyen hjemmetjeneste' }),
      );
      await eventually(async () =>
        expect(
          await world.sql('SELECT team_id FROM registry_home_care_teams WHERE team_id = ANY($1)', [[nightTeam, gone]]),
        ).toHaveLength(2),
      );
      // Later records of other teams came through, so the older revisions were seen and refused.
      const alarmId = await world.raiseAlarm(place);
      expect((await detail(place, alarmId)).homeCareTeams).toEqual([
        { id: nightTeam, name: 'Nattpatrulje' },
        { id: place.teamId, name: 'Nordbyen hjemmetjeneste' },
      ]);
    });

    it('dead-letters a team record it cannot read and goes on with the next', async () => {
      const marker = uniqueName('unreadable-team');
      await world.sendRaw(KafkaTopics.registryHomeCareTeams, marker, `{"v":1,"teamId":"${marker}"}`);
      const after = await world.place();
      await deadLetters.waitFor((record) => record.raw.includes(marker) && record.value.reason === 'invalid_field');
      expect(
        (await world.sql('SELECT name FROM registry_home_care_teams WHERE team_id = $1', [after.teamId]))[0],
      ).toEqual({ name: after.teamName });
    });
  });

  describe('dispatching', () => {
    it("stores the dispatch, logs it and tells home care on dispatches.v1 in one go; home care's updates follow in order", async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place, 'op-anna');
      const before = Date.now();
      const answer = await dispatch(
        place,
        alarmId,
        { instructions: 'Fall in the bathroom; key box 1234 by the door.' },
        'op-anna',
      );

      expect(answer.status).toBe(201);
      const made = answer.body.dispatches[0];
      expect(answer.body.dispatch).toMatchObject({
        id: made.id,
        status: 'requested',
        homeCareTeamId: place.teamId,
        homeCareTeamName: place.teamName,
        acceptedBy: null,
      });
      // Default DISPATCH_ACCEPT_SECONDS: 300.
      const acceptIn = Date.parse(made.acceptBy) - Date.parse(made.requestedAt);
      expect(acceptIn).toBe(300_000);
      expect(Date.parse(made.requestedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(answer.body.log.at(-1)).toMatchObject({
        step: 'dispatched',
        actorKind: 'operator',
        actorId: 'op-anna',
        details: {
          dispatchId: made.id,
          homeCareTeamId: place.teamId,
          homeCareTeamName: place.teamName,
          instructions: 'Fall in the bathroom; key box 1234 by the door.',
          acceptBy: made.acceptBy,
        },
      });
      expect(answer.body.resident).toBeNull();

      const sent = await dispatches.waitFor((record) => record.value.dispatchId === made.id);
      expect(sent.key).toBe(alarmId);
      expect(decodeDispatchRecord(Buffer.from(sent.raw))).not.toHaveProperty('detail');
      expect(sent.value).toEqual({
        v: 1,
        type: 'dispatch.requested',
        dispatchId: made.id,
        alarmId,
        homeCareTeamId: place.teamId,
        municipalityId: place.municipalityId,
        responseCentreId: place.centreId,
        priority: 1,
        triggerType: 'alarm.button',
        instructions: 'Fall in the bathroom; key box 1234 by the door.',
        resident: null,
        requestedBy: { id: 'op-anna', name: 'Test operator' },
        requestedAt: made.requestedAt,
        acceptBy: made.acceptBy,
      });

      const sentUpdates = [];
      for (const type of ['dispatch.accepted', 'dispatch.en_route'] as const)
        sentUpdates.push(await world.homeCareSays({ ...made, alarmId }, type));
      // A redelivery of an update changes nothing (same key, so taken in before what follows).
      await world.sendRaw(KafkaTopics.dispatchUpdates, alarmId, JSON.stringify(sentUpdates[1]));
      for (const type of ['dispatch.arrived', 'dispatch.completed'] as const)
        sentUpdates.push(await world.homeCareSays({ ...made, alarmId }, type));
      await waitForStep(alarmId, 'dispatch_completed');

      const after = await detail(place, alarmId);
      expect(after.log.map((entry) => entry.step)).toEqual([
        'received',
        'acknowledged',
        'dispatched',
        'dispatch_accepted',
        'dispatch_en_route',
        'dispatch_arrived',
        'dispatch_completed',
      ]);
      expect(
        after.log
          .slice(3)
          .every(
            (entry) =>
              entry.actorKind === 'home_care' &&
              entry.actorId === 'nurse-nina' &&
              entry.details.actorName === 'Nina Nurse',
          ),
      ).toBe(true);
      expect(after.log.at(-1)!.details).toMatchObject({
        dispatchId: made.id,
        report: 'Helped the resident up; no injury.',
        dispatchStatus: 'completed',
        updateId: sentUpdates[3].updateId,
      });
      expect(after.dispatch).toMatchObject({
        id: made.id,
        status: 'completed',
        acceptedBy: { id: 'nurse-nina', name: 'Nina Nurse' },
      });
      expect(after.escalationLevel).toBe(0);
      expect(
        await world.sql('SELECT count(*)::int AS n FROM dispatch_updates WHERE dispatch_id = $1', [made.id]),
      ).toEqual([{ n: 4 }]);

      // The queue shows the current dispatch too; a completed visit lets the operator resolve.
      const queue = await world.call<{ id: string; dispatch: DispatchJson | null }[]>(
        'GET',
        '/api/alarms?limit=500',
        await asOperator(place),
      );
      expect(queue.body.find((alarm) => alarm.id === alarmId)?.dispatch).toMatchObject({
        id: made.id,
        status: 'completed',
        homeCareTeamName: place.teamName,
      });
      const resolved = await world.call('POST', `/api/alarms/${alarmId}/resolve`, await asOperator(place, 'op-anna'), {
        outcome: 'home_care_visit',
      });
      expect(resolved.status).toBe(200);
      const afterResolution = await dispatch(place, alarmId);
      expect({ status: afterResolution.status, error: afterResolution.body.error }).toEqual({
        status: 409,
        error: 'alarm_resolved',
      });
    });

    it('takes the accept limit from the request when given (30 to 3600 s) and refuses a malformed request with 400', async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place);
      for (const body of [
        { acceptWithinSeconds: 29 },
        { acceptWithinSeconds: 3601 },
        { acceptWithinSeconds: 'soon' },
        { instructions: '' },
        { homeCareTeamId: 'team-1' },
        { instructions: 'x'.repeat(2001) },
        { priority: 1 },
      ]) {
        const answer = await dispatch(place, alarmId, body);
        expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      }
      const made = await dispatched(place, alarmId, { acceptWithinSeconds: 45 });
      expect(Date.parse(made.acceptBy) - Date.parse(made.requestedAt)).toBe(45_000);
    });

    it('refuses what cannot be dispatched, each with its own code: not taken 409, unknown or foreign team 422, another centre 404, nurses 403, no token 401', async () => {
      const place = await world.place();
      const open = await world.raiseAlarm(place);
      const notTaken = await dispatch(place, open);
      expect(notTaken.status).toBe(409);
      expect(notTaken.body).toMatchObject({
        error: 'alarm_not_acknowledged',
        message: expect.stringContaining('before dispatching'),
      });

      // A fall: another button press of the resident would join the open alarm.
      const alarmId = await world.takenAlarm(place, 'op-taker', 'fall.detected');
      const unknownTeam = await dispatch(place, alarmId, { homeCareTeamId: randomUUID() });
      expect({ status: unknownTeam.status, error: unknownTeam.body.error }).toEqual({
        status: 422,
        error: 'home_care_team_unknown',
      });

      const elsewhere = await world.place({ centreId: place.centreId });
      const foreign = await dispatch(place, alarmId, { homeCareTeamId: elsewhere.teamId });
      expect({ status: foreign.status, error: foreign.body.error }).toEqual({
        status: 422,
        error: 'home_care_team_wrong_municipality',
      });

      const closedTeam = randomUUID();
      await world.publishTeam({
        teamId: closedTeam,
        municipalityId: place.municipalityId,
        name: 'Closed',
        deleted: true,
      });
      await eventually(async () =>
        expect(await world.sql('SELECT 1 FROM registry_home_care_teams WHERE team_id = $1', [closedTeam])).toHaveLength(
          1,
        ),
      );
      expect((await dispatch(place, alarmId, { homeCareTeamId: closedTeam })).body.error).toBe(
        'home_care_team_unknown',
      );

      const otherCentre = await world.call(
        'POST',
        `/api/alarms/${alarmId}/dispatches`,
        await operatorToken(randomUUID()),
        { homeCareTeamId: place.teamId, instructions: 'x' },
      );
      expect({ status: otherCentre.status, error: otherCentre.body.error }).toEqual({
        status: 404,
        error: 'alarm_not_found',
      });
      const nurse = await world.call('POST', `/api/alarms/${alarmId}/dispatches`, await homeCareToken(place.teamId), {
        homeCareTeamId: place.teamId,
        instructions: 'x',
      });
      expect(nurse.status).toBe(403);
      expect(
        (
          await world.call('POST', `/api/alarms/${alarmId}/dispatches`, null, {
            homeCareTeamId: place.teamId,
            instructions: 'x',
          })
        ).status,
      ).toBe(401);

      // None of that left a trace: no dispatch, no step, nothing for home care.
      expect(await world.sql('SELECT id FROM dispatches WHERE alarm_id = ANY($1)', [[open, alarmId]])).toEqual([]);
      expect((await world.steps(alarmId)).map((entry) => entry.step)).toEqual(['received', 'acknowledged']);

      // A supervisor of the centre may dispatch; a resolved alarm may not be dispatched to.
      const bySupervisor = await world.call(
        'POST',
        `/api/alarms/${alarmId}/dispatches`,
        await supervisorToken(place.centreId),
        { homeCareTeamId: place.teamId, instructions: 'Supervisor sends the team' },
      );
      expect(bySupervisor.status).toBe(201);
    });

    it('keeps one active dispatch per alarm: a second is refused (409) until the first is withdrawn, and home care is told of the withdrawal', async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place);
      const first = await dispatched(place, alarmId);

      const twice = await dispatch(place, alarmId);
      expect(twice.status).toBe(409);
      expect(twice.body).toMatchObject({
        error: 'dispatch_already_active',
        dispatchId: first.id,
        dispatchStatus: 'requested',
      });
      const resolve = await world.call('POST', `/api/alarms/${alarmId}/resolve`, await asOperator(place), {
        outcome: 'false_alarm',
      });
      expect(resolve.status).toBe(409);
      expect(resolve.body).toMatchObject({
        error: 'dispatch_active',
        dispatchId: first.id,
        message: expect.stringContaining('withdraw the dispatch first'),
      });

      const unknown = await withdraw(place, alarmId, randomUUID());
      expect({ status: unknown.status, error: unknown.body.error }).toEqual({
        status: 404,
        error: 'dispatch_not_found',
      });
      const otherCentre = await world.call(
        'POST',
        `/api/alarms/${alarmId}/dispatches/${first.id}/withdraw`,
        await operatorToken(randomUUID()),
        { reason: 'x' },
      );
      expect(otherCentre.status).toBe(404);
      expect(
        (
          await world.call(
            'POST',
            `/api/alarms/${alarmId}/dispatches/${first.id}/withdraw`,
            await asOperator(place),
            {},
          )
        ).status,
      ).toBe(400);

      const withdrawn = await withdraw(place, alarmId, first.id, 'Resident called back: all is well');
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body.dispatch).toMatchObject({ id: first.id, status: 'withdrawn' });
      expect(withdrawn.body.dispatches[0]).toMatchObject({
        id: first.id,
        status: 'withdrawn',
        withdrawReason: 'Resident called back: all is well',
        withdrawnBy: 'op-taker',
      });
      expect(withdrawn.body.log.at(-1)).toMatchObject({
        step: 'dispatch_withdrawn',
        actorKind: 'operator',
        actorId: 'op-taker',
        details: { dispatchId: first.id, reason: 'Resident called back: all is well', statusBefore: 'requested' },
      });
      const told = await dispatches.waitFor(
        (record) => record.value.dispatchId === first.id && record.value.type === 'dispatch.withdrawn',
      );
      expect(told.key).toBe(alarmId);
      expect(decodeDispatchRecord(Buffer.from(told.raw))).toMatchObject({
        type: 'dispatch.withdrawn',
        reason: 'Resident called back: all is well',
        withdrawnBy: { id: 'op-taker' },
      });

      const again = await withdraw(place, alarmId, first.id);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: 'dispatch_not_active', dispatchStatus: 'withdrawn' });

      const second = await dispatched(place, alarmId);
      expect(second.id).not.toBe(first.id);
      const detailNow = await detail(place, alarmId);
      expect(detailNow.dispatches.map((made) => [made.id, made.status])).toEqual([
        [first.id, 'withdrawn'],
        [second.id, 'requested'],
      ]);
      expect(detailNow.dispatch?.id).toBe(second.id);
    });

    it('lets exactly one of several operators dispatching at once win', async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place);
      const answers = await Promise.all(
        ['op-a', 'op-b', 'op-c', 'op-d'].map((operator) => dispatch(place, alarmId, {}, operator)),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409]);
      expect(await world.sql('SELECT count(*)::int AS n FROM dispatches WHERE alarm_id = $1', [alarmId])).toEqual([
        { n: 1 },
      ]);
      expect((await world.steps(alarmId)).filter((entry) => entry.step === 'dispatched')).toHaveLength(1);
    });
  });

  describe('when home care says no', () => {
    it('escalates the alarm on a decline and on an expiry (step, level, alarm.escalated), and lets the operator dispatch again', async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place);
      const first = await dispatched(place, alarmId);
      await world.homeCareSays(first, 'dispatch.declined', { reason: 'All nurses busy' });
      await waitForStep(alarmId, 'escalated');

      let now = await detail(place, alarmId);
      expect(now).toMatchObject({
        state: 'acknowledged',
        escalationLevel: 1,
        dispatch: { id: first.id, status: 'declined' },
      });
      expect(now.log.slice(-2)).toEqual([
        expect.objectContaining({
          step: 'dispatch_declined',
          actorKind: 'home_care',
          details: expect.objectContaining({ reason: 'All nurses busy', dispatchStatus: 'declined' }),
        }),
        expect.objectContaining({
          step: 'escalated',
          actorKind: 'system',
          details: expect.objectContaining({ level: 1, cause: 'dispatch_declined', dispatchId: first.id }),
        }),
      ]);
      await alarmEvents.waitFor(
        (record) =>
          record.key === alarmId && record.value.type === 'alarm.escalated' && record.value.escalationLevel === 1,
      );
      // An acknowledged alarm has no escalation timer: an operator has it.
      expect((await world.sql('SELECT escalate_at FROM alarms WHERE id = $1', [alarmId]))[0]).toEqual({
        escalate_at: null,
      });

      const second = await dispatched(place, alarmId);
      await world.homeCareSays(second, 'dispatch.expired');
      await waitForStep(alarmId, 'escalated', 2);
      now = await detail(place, alarmId);
      expect(now).toMatchObject({
        escalationLevel: 2,
        dispatch: { id: second.id, status: 'expired', acceptedBy: null },
      });
      expect(now.log.find((entry) => entry.step === 'dispatch_expired')).toMatchObject({
        actorKind: 'home_care',
        actorId: 'home-care',
      });
      await alarmEvents.waitFor((record) => record.key === alarmId && record.value.escalationLevel === 2);
    });

    it('logs what home care says about a withdrawn dispatch without bringing it back, and never moves a status backwards', async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place);
      const first = await dispatched(place, alarmId);
      await world.homeCareSays(first, 'dispatch.accepted');
      await world.homeCareSays(first, 'dispatch.en_route');
      await waitForStep(alarmId, 'dispatch_en_route');
      // Late and out of order: an "accepted" after "en route" is logged, the status stays. (The
      // contract allows actor ids of 200 characters: the log takes them.)
      const longId = `nurse-${'o'.repeat(194)}`;
      await world.homeCareSays(first, 'dispatch.accepted', { actor: { id: longId, name: 'Ola' } });
      const accepted = await waitForStep(alarmId, 'dispatch_accepted', 2);
      expect(accepted[1].actor_id).toBe(longId);
      expect(await dispatchRow(first.id)).toMatchObject({ status: 'en_route', accepted_by_id: 'nurse-nina' });

      expect((await withdraw(place, alarmId, first.id, 'Ambulance took over')).status).toBe(200);
      await world.homeCareSays(first, 'dispatch.arrived');
      await world.homeCareSays(first, 'dispatch.declined', { reason: 'too late' });
      await waitForStep(alarmId, 'dispatch_declined');
      const steps = await world.steps(alarmId);
      expect(steps.map((entry) => entry.step)).toEqual([
        'received',
        'acknowledged',
        'dispatched',
        'dispatch_accepted',
        'dispatch_en_route',
        'dispatch_accepted',
        'dispatch_withdrawn',
        'dispatch_arrived',
        'dispatch_declined',
      ]);
      expect(steps.at(-2)!.details).toMatchObject({
        dispatchStatus: 'withdrawn',
        notApplied: 'the dispatch stays withdrawn',
      });
      expect(await dispatchRow(first.id)).toMatchObject({ status: 'withdrawn' });
      // A no about a withdrawn dispatch escalates nothing.
      expect((await detail(place, alarmId)).escalationLevel).toBe(0);
    });
  });

  describe('the backstop for a home-care service that does not answer', () => {
    it('marks a dispatch unanswered once acceptBy and the grace period have passed, logs it and escalates, once', async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place);
      const made = await dispatched(place, alarmId, { acceptWithinSeconds: 30 });
      const backstop = centre.app.get(UnansweredDispatchesService);
      const acceptBy = Date.parse(made.acceptBy);

      expect(await backstop.sweep(new Date(acceptBy + 59_000))).toBe(0);
      expect(await dispatchRow(made.id)).toMatchObject({ status: 'requested' });

      // Other files' dispatches are in other databases: this sweep sees this file's only.
      const marked = await backstop.sweep(new Date(acceptBy + 61_000));
      expect(marked).toBeGreaterThanOrEqual(1);
      expect(await dispatchRow(made.id)).toMatchObject({ status: 'unanswered' });
      const steps = await world.steps(alarmId);
      expect(steps.slice(-2)).toEqual([
        expect.objectContaining({
          step: 'dispatch_unanswered',
          actor_kind: 'system',
          actor_id: 'dispatch-backstop',
          details: expect.objectContaining({ dispatchId: made.id, silentSeconds: 61 }),
        }),
        expect.objectContaining({
          step: 'escalated',
          details: expect.objectContaining({ level: 1, cause: 'dispatch_unanswered', dispatchId: made.id }),
        }),
      ]);
      await alarmEvents.waitFor((record) => record.key === alarmId && record.value.escalationLevel === 1);
      await backstop.sweep(new Date(acceptBy + 3_600_000));
      expect((await world.steps(alarmId)).filter((entry) => entry.step === 'dispatch_unanswered')).toHaveLength(1);

      // Not active any more: the operator may dispatch again (and resolve).
      expect((await detail(place, alarmId)).dispatch?.status).toBe('unanswered');
    });

    it('brings an unanswered dispatch back when home care reports a nurse on it after all, unless the operator has dispatched again', async () => {
      const place = await world.place();
      const backstop = centre.app.get(UnansweredDispatchesService);
      const revived = await world.takenAlarm(place);
      const lateButAlone = await dispatched(place, revived, { acceptWithinSeconds: 30 });
      await backstop.sweep(new Date(Date.parse(lateButAlone.acceptBy) + 61_000));
      await world.homeCareSays(lateButAlone, 'dispatch.accepted');
      await waitForStep(revived, 'dispatch_accepted');
      expect(await dispatchRow(lateButAlone.id)).toMatchObject({ status: 'accepted', accepted_by_id: 'nurse-nina' });

      const replaced = await world.takenAlarm(place, 'op-second', 'fall.detected');
      const late = await dispatched(place, replaced, { acceptWithinSeconds: 30 });
      await backstop.sweep(new Date(Date.parse(late.acceptBy) + 61_000));
      const instead = await dispatched(place, replaced);
      await world.homeCareSays(late, 'dispatch.accepted');
      await waitForStep(replaced, 'dispatch_accepted');
      expect(await dispatchRow(late.id)).toMatchObject({ status: 'unanswered' });
      expect(await dispatchRow(instead.id)).toMatchObject({ status: 'requested' });
      expect((await world.steps(replaced)).at(-1)!.details).toMatchObject({
        notApplied: 'the dispatch stays unanswered',
      });
    });
  });

  describe('bad records from home care', () => {
    it('dead-letters undecodable updates and updates about dispatches it never made, and goes on with the next', async () => {
      const place = await world.place();
      const alarmId = await world.takenAlarm(place);
      const made = await dispatched(place, alarmId);
      const marker = uniqueName('garbage');
      await world.sendRaw(KafkaTopics.dispatchUpdates, alarmId, `not json ${marker}`);
      const stranger = await world.homeCareSays(
        { id: randomUUID(), alarmId, homeCareTeamId: place.teamId },
        'dispatch.accepted',
      );
      const wrongTeam = await world.homeCareSays({ ...made, homeCareTeamId: randomUUID() }, 'dispatch.accepted');
      const noReason = await world.homeCareSays(made, 'dispatch.declined', { reason: undefined });
      await world.homeCareSays(made, 'dispatch.accepted');

      await waitForStep(alarmId, 'dispatch_accepted');
      await deadLetters.waitFor((record) => record.raw.includes(marker) && record.value.reason === 'invalid_json');
      await deadLetters.waitFor(
        (record) => record.raw.includes(stranger.updateId) && record.value.reason === 'unknown_dispatch',
      );
      await deadLetters.waitFor(
        (record) => record.raw.includes(wrongTeam.updateId) && record.value.reason === 'dispatch_mismatch',
      );
      await deadLetters.waitFor(
        (record) => record.raw.includes(noReason.updateId) && record.value.reason === 'invalid_field',
      );
      expect((await world.steps(alarmId)).map((entry) => entry.step)).toEqual([
        'received',
        'acknowledged',
        'dispatched',
        'dispatch_accepted',
      ]);
      expect(await dispatchRow(made.id)).toMatchObject({ status: 'accepted' });
    });
  });
});
