import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Pool } from 'pg';
import {
  DeviceEventRecord,
  encodeRecord,
  encodeRegistryDeviceRecord,
  KafkaTopics,
  RegistryDeviceRecord,
} from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap } from '../../../../test/support/kafka-tap';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { operatorToken } from '../../../../test/support/tokens';
import { EscalationService } from '../escalation/escalation.service';
import { SupervisionService } from '../supervision/supervision.service';

type EventFields = { id: string; type: string; time?: string } & Record<string, unknown>;

interface AlarmRow {
  id: string;
  trigger_event_id: string;
  trigger_type: string;
  kind: string;
  priority: number;
  state: string;
  repeat_count: number;
  escalation_level: number;
  cancelled_at_device_at: Date | null;
  outcome: string | null;
  resolved_by: string | null;
  resident_id: string | null;
}

/**
 * The response centre's rules on real Kafka and PostgreSQL: repeats attach to the unresolved
 * alarm of their kind (per resident for care alarms, per device for technical ones), technical
 * alarms open and clear, a cancellation at the device is logged, and unacknowledged alarms
 * escalate. Escalation is driven with a chosen "now" (EscalationService.escalateDue), so no
 * test waits for the real limits.
 */
/** Devices of every test file share the run's registry topic: here each silent device gets its own alarm (no fleet rule). */
const RULES_ENV = () => ({
  KAFKA_CONSUMER_GROUP: uniqueName('rc-rules'),
  ESCALATION_LIMITS_SECONDS: '60,300,1800',
  HEARTBEAT_GRACE_SECONDS: '120',
  FLEET_SILENCE_MIN_DEVICES: '1000000',
});

describe('response centre: alarm rules (correlation, technical alarms, cancellation, escalation)', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let producer: Producer;
  let commands: KafkaTap;
  let alarmEvents: KafkaTap;
  let db: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('rules');
    centre = await startResponseCentre(database.url, RULES_ENV());
    const kafka = new Kafka({
      clientId: uniqueName('rules-test'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    [commands, alarmEvents] = await Promise.all([
      KafkaTap.open(KafkaTopics.deviceCommands),
      KafkaTap.open(KafkaTopics.alarmEvents),
    ]);
    db = new Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await Promise.allSettled([commands?.close(), alarmEvents?.close(), producer?.disconnect(), db?.end()]);
    await Promise.allSettled([centre?.close()]);
    await database?.drop();
  });

  async function send(deviceId: string, ...events: EventFields[]): Promise<void> {
    const records = events.map(
      (event): DeviceEventRecord =>
        ({
          v: 1,
          deviceId,
          receivedAt: new Date().toISOString(),
          event: { time: new Date().toISOString(), ...event },
        }) as DeviceEventRecord,
    );
    await producer.send({
      topic: KafkaTopics.deviceEvents,
      acks: -1,
      messages: records.map((record) => ({ key: deviceId, value: encodeRecord(record) })),
    });
  }

  async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await db.query(text, params)).rows as T[];
  }

  const alarmsOf = (deviceId: string) =>
    sql<AlarmRow>('SELECT * FROM alarms WHERE device_id = $1 ORDER BY opened_at', [deviceId]);
  const stepsOf = (alarmId: string) =>
    sql<{ step: string; actor_kind: string; details: Record<string, unknown> }>(
      'SELECT step, actor_kind, details FROM alarm_handling_log WHERE alarm_id = $1 ORDER BY id',
      [alarmId],
    );
  const storedEvents = (deviceId: string) =>
    sql<{ event_id: string; alarm_id: string | null }>(
      'SELECT event_id, alarm_id FROM device_events WHERE device_id = $1 ORDER BY id',
      [deviceId],
    );
  const alarmReceived = (deviceId: string) =>
    commands.records
      .filter(
        (record) => record.key === deviceId && (record.value?.command as { type?: string })?.type === 'alarm.received',
      )
      .map((record) => record.value?.command as { ref: string; alarmId: string });

  /** Waits until every listed event of the device is stored. */
  async function taken(deviceId: string, count: number): Promise<void> {
    await eventually(async () => expect(await storedEvents(deviceId)).toHaveLength(count));
  }

  async function operatorCall(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const token = await operatorToken(randomUUID(), 'op-rules');
    const response = await fetch(`${centre.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  function registryRecord(deviceId: string, owner: Partial<RegistryDeviceRecord> = {}): RegistryDeviceRecord {
    return {
      v: 1,
      deviceId,
      revision: 1,
      state: 'active',
      kind: 'safety_alarm',
      serialNumber: `SN-${deviceId}`,
      credentialsIssuedAt: new Date().toISOString(),
      residentId: randomUUID(),
      homeCareTeamId: null,
      municipalityId: randomUUID(),
      responseCentreId: randomUUID(),
      heartbeatIntervalSeconds: 900,
      updatedAt: new Date().toISOString(),
      ...owner,
    };
  }

  async function register(...records: RegistryDeviceRecord[]): Promise<void> {
    await producer.send({
      topic: KafkaTopics.registryDevices,
      messages: records.map((record) => ({ key: record.deviceId, value: encodeRegistryDeviceRecord(record) })),
    });
  }

  describe('correlation', () => {
    it('attaches a button pressed five times to one alarm, logs each repeat and tells the device each time', async () => {
      const deviceId = uniqueName('presser');
      await send(deviceId, ...[1, 2, 3, 4, 5].map((n) => ({ id: `press-${n}`, type: 'alarm.button' })));
      await taken(deviceId, 5);

      const alarms = await alarmsOf(deviceId);
      expect(alarms).toEqual([
        expect.objectContaining({
          trigger_event_id: 'press-1',
          state: 'open',
          repeat_count: 4,
          kind: 'care',
          priority: 1,
        }),
      ]);
      expect((await storedEvents(deviceId)).map((event) => event.alarm_id)).toEqual(Array(5).fill(alarms[0].id));
      expect((await stepsOf(alarms[0].id)).map((entry) => [entry.step, entry.details.eventId])).toEqual([
        ['received', 'press-1'],
        ['repeated', 'press-2'],
        ['repeated', 'press-3'],
        ['repeated', 'press-4'],
        ['repeated', 'press-5'],
      ]);
      // Each repeat's step says which repeat it was.
      expect((await stepsOf(alarms[0].id)).map((entry) => entry.details.repeat)).toEqual([undefined, 1, 2, 3, 4]);
      await eventually(() => expect(alarmReceived(deviceId)).toHaveLength(5));
      expect(alarmReceived(deviceId)).toEqual(
        [1, 2, 3, 4, 5].map((n) => ({ type: 'alarm.received', ref: `press-${n}`, alarmId: alarms[0].id })),
      );
    });

    it('attaches a second fall also while the alarm is acknowledged, keeps a button press apart, and opens a new alarm once resolved', async () => {
      const deviceId = uniqueName('faller');
      await send(deviceId, { id: 'fall-1', type: 'fall.detected' });
      await taken(deviceId, 1);
      const [fall] = await alarmsOf(deviceId);
      expect((await operatorCall('POST', `/api/alarms/${fall.id}/acknowledge`)).status).toBe(200);

      await send(deviceId, { id: 'fall-2', type: 'fall.detected' }, { id: 'press-1', type: 'alarm.button' });
      await taken(deviceId, 3);
      expect(
        (await alarmsOf(deviceId)).map((alarm) => [alarm.trigger_event_id, alarm.state, alarm.repeat_count]),
      ).toEqual([
        ['fall-1', 'acknowledged', 1],
        ['press-1', 'open', 0],
      ]);

      expect(
        (await operatorCall('POST', `/api/alarms/${fall.id}/resolve`, { outcome: 'home_care_visit' })).status,
      ).toBe(200);
      await send(deviceId, { id: 'fall-3', type: 'fall.detected' });
      await taken(deviceId, 4);
      expect((await alarmsOf(deviceId)).map((alarm) => [alarm.trigger_event_id, alarm.state])).toEqual([
        ['fall-1', 'resolved'],
        ['press-1', 'open'],
        ['fall-3', 'open'],
      ]);
    });

    it('correlates care alarms per resident across their devices, and technical alarms per device', async () => {
      const residentId = randomUUID();
      const [pendant, detector] = [uniqueName('pendant'), uniqueName('detector')];
      const owner = { residentId, municipalityId: randomUUID(), responseCentreId: randomUUID() };
      await register(registryRecord(pendant, owner), registryRecord(detector, owner));
      await eventually(async () => {
        const known = await sql<{ device_id: string }>(
          'SELECT device_id FROM registry_devices WHERE resident_id = $1',
          [residentId],
        );
        expect(known).toHaveLength(2);
      }, 30_000);
      await send(pendant, { id: 'bat-a', type: 'battery.low', battery: 10 });
      await send(detector, { id: 'bat-b', type: 'battery.low', battery: 10 });

      // Two devices' events are on different partitions, taken in no set order between them: the
      // second press is sent once the first is stored, so it is the one that attaches.
      await send(pendant, { id: 'press-a', type: 'alarm.button' });
      await taken(pendant, 2);
      await send(detector, { id: 'press-b', type: 'alarm.button' });
      await taken(detector, 2);
      const care = await sql<AlarmRow>("SELECT * FROM alarms WHERE resident_id = $1 AND kind = 'care'", [residentId]);
      expect(care).toEqual([expect.objectContaining({ trigger_event_id: 'press-a', repeat_count: 1 })]);
      const technical = await sql<AlarmRow & { device_id: string }>(
        "SELECT * FROM alarms WHERE resident_id = $1 AND kind = 'technical' ORDER BY device_id",
        [residentId],
      );
      expect(technical.map((alarm) => alarm.device_id).sort()).toEqual([pendant, detector].sort());
    });
  });

  describe('technical alarms', () => {
    it('opens priority-3 technical alarms for a low battery and lost power; restored power is logged and closes the power alarm', async () => {
      const deviceId = uniqueName('hub');
      await send(
        deviceId,
        { id: 'bat-1', type: 'battery.low', battery: 7 },
        { id: 'pow-1', type: 'power.lost' },
        { id: 'pow-2', type: 'power.restored' },
        { id: 'pow-3', type: 'power.restored' },
      );
      await taken(deviceId, 4);

      const alarms = await alarmsOf(deviceId);
      expect(
        alarms.map((alarm) => [
          alarm.trigger_type,
          alarm.kind,
          alarm.priority,
          alarm.state,
          alarm.outcome,
          alarm.resolved_by,
        ]),
      ).toEqual([
        ['battery.low', 'technical', 3, 'open', null, null],
        ['power.lost', 'technical', 3, 'resolved', 'cleared_by_device', `device:${deviceId}`],
      ]);
      expect(
        (await stepsOf(alarms[1].id)).map((entry) => [entry.step, entry.actor_kind, entry.details.eventId]),
      ).toEqual([
        ['received', 'device', 'pow-1'],
        ['cleared_by_device', 'device', 'pow-2'],
      ]);
      // The second "restored" found no power alarm left: kept on the history only.
      expect((await storedEvents(deviceId)).map((event) => [event.event_id, event.alarm_id])).toEqual([
        ['bat-1', alarms[0].id],
        ['pow-1', alarms[1].id],
        ['pow-2', alarms[1].id],
        ['pow-3', null],
      ]);
    });
  });

  describe('cancellation at the device', () => {
    it('logs alarm.cancelled on the alarm of the event it names and marks it; an operator still closes it', async () => {
      const deviceId = uniqueName('canceller');
      await send(
        deviceId,
        { id: 'press-1', type: 'alarm.button' },
        { id: 'cancel-1', type: 'alarm.cancelled', ref: 'press-1' },
      );
      await taken(deviceId, 2);
      const [alarm] = await alarmsOf(deviceId);
      expect(alarm).toMatchObject({ state: 'open', cancelled_at_device_at: expect.any(Date) });
      expect(
        (await stepsOf(alarm.id)).map((entry) => [entry.step, entry.details.ref ?? entry.details.eventId]),
      ).toEqual([
        ['received', 'press-1'],
        ['cancelled_at_device', 'press-1'],
      ]);
      const detail = await operatorCall('GET', `/api/alarms/${alarm.id}`);
      expect(detail.body).toMatchObject({ state: 'open', cancelledAtDeviceAt: expect.any(String) });
      expect((await operatorCall('POST', `/api/alarms/${alarm.id}/acknowledge`)).status).toBe(200);
      expect(
        (await operatorCall('POST', `/api/alarms/${alarm.id}/resolve`, { outcome: 'cancelled_by_resident' })).body,
      ).toMatchObject({ state: 'resolved' });
    });
  });

  describe('escalation', () => {
    const escalation = () => centre.app.get(EscalationService);
    const escalatedRecords = (alarmId: string) =>
      alarmEvents.records.filter((record) => record.key === alarmId).map((record) => record.value);

    it('escalates an unacknowledged alarm when its limit passes, again each limit after, tells supervisors, and stops once taken', async () => {
      const [urgent, technical] = [uniqueName('urgent'), uniqueName('flat-battery')];
      await send(urgent, { id: 'press-1', type: 'alarm.button' });
      await send(technical, { id: 'bat-1', type: 'battery.low', battery: 5 });
      await taken(urgent, 1);
      await taken(technical, 1);
      const [alarm] = await alarmsOf(urgent);
      const [batteryAlarm] = await alarmsOf(technical);
      const openedAt = (
        await sql<{ opened_at: Date }>('SELECT opened_at FROM alarms WHERE id = $1', [alarm.id])
      )[0].opened_at.getTime();
      const at = (seconds: number) => new Date(openedAt + seconds * 1000);

      await escalation().escalateDue(at(59));
      expect((await alarmsOf(urgent))[0].escalation_level).toBe(0);
      await escalation().escalateDue(at(61));
      await escalation().escalateDue(at(61));
      expect((await alarmsOf(urgent))[0].escalation_level).toBe(1);
      expect((await alarmsOf(technical))[0].escalation_level).toBe(0);
      await escalation().escalateDue(at(122));
      expect((await alarmsOf(urgent))[0].escalation_level).toBe(2);

      expect(
        (await stepsOf(alarm.id)).map((entry) => [entry.step, entry.actor_kind, entry.details.level ?? null]),
      ).toEqual([
        ['received', 'device', null],
        ['escalated', 'system', 1],
        ['escalated', 'system', 2],
      ]);
      await eventually(() => expect(escalatedRecords(alarm.id)).toHaveLength(2));
      expect(escalatedRecords(alarm.id)).toEqual(
        [1, 2].map((level) =>
          expect.objectContaining({
            v: 1,
            type: 'alarm.escalated',
            alarmId: alarm.id,
            escalationLevel: level,
            priority: 1,
            deviceId: urgent,
          }),
        ),
      );
      const queued = (await operatorCall('GET', '/api/alarms?limit=500')).body as {
        id: string;
        escalationLevel: number;
      }[];
      expect(queued.find((candidate) => candidate.id === alarm.id)).toMatchObject({ escalationLevel: 2 });

      expect((await operatorCall('POST', `/api/alarms/${alarm.id}/acknowledge`)).status).toBe(200);
      await escalation().escalateDue(at(10_000));
      expect((await alarmsOf(urgent))[0].escalation_level).toBe(2);
      // Priority 3 waits longer (1800 s), then escalates too.
      expect((await alarmsOf(technical))[0].escalation_level).toBeGreaterThanOrEqual(1);
      expect(batteryAlarm.priority).toBe(3);
    });

    it('escalates each alarm once when two instances sweep at the same moment, and after a restart', async () => {
      const devices = Array.from({ length: 12 }, () => uniqueName('swept'));
      for (const deviceId of devices) await send(deviceId, { id: 'press-1', type: 'alarm.button' });
      await Promise.all(devices.map((deviceId) => taken(deviceId, 1)));
      const ids = (await Promise.all(devices.map(alarmsOf))).map(([alarm]) => alarm.id);

      // A second instance on the same database; the first one is then restarted.
      const second = await startResponseCentre(database.url, { KAFKA_CONSUMER_GROUP: uniqueName('rc-rules-second') });
      try {
        const later = new Date(Date.now() + 120_000);
        const [first, other] = await Promise.all([
          escalation().escalateDue(later),
          second.app.get(EscalationService).escalateDue(later),
        ]);
        expect(first + other).toBeGreaterThanOrEqual(ids.length);
        const levels = await sql<{ id: string; escalation_level: number; steps: string }>(
          "SELECT alarms.id, escalation_level, (SELECT count(*) FROM alarm_handling_log WHERE alarm_id = alarms.id AND step = 'escalated') AS steps FROM alarms WHERE id = ANY($1::uuid[])",
          [ids],
        );
        expect(levels.map((row) => [row.escalation_level, Number(row.steps)])).toEqual(ids.map(() => [1, 1]));
      } finally {
        await second.close();
      }
      // The due time is in the database: a fresh instance escalates the next level.
      await centre.close();
      centre = await startResponseCentre(database.url, RULES_ENV());
      await escalation().escalateDue(new Date(Date.now() + 240_000));
      const after = await sql<{ escalation_level: number }>(
        'SELECT escalation_level FROM alarms WHERE id = ANY($1::uuid[])',
        [ids],
      );
      expect(after.map((row) => row.escalation_level)).toEqual(ids.map(() => 2));
    });
  });

  describe('heartbeat supervision', () => {
    const supervisionOf = (deviceId: string) =>
      sql<{ silent_after: Date; silent_alarm_id: string | null }>(
        'SELECT silent_after, silent_alarm_id FROM device_supervision WHERE device_id = $1',
        [deviceId],
      );
    const silenceAlarmsOf = (deviceId: string) =>
      sql<AlarmRow>("SELECT * FROM alarms WHERE device_id = $1 AND trigger_type = 'device.silent' ORDER BY opened_at", [
        deviceId,
      ]);

    it('raises one "device silent" alarm past the interval and grace, closes it when the device is heard again, and watches on', async () => {
      const deviceId = uniqueName('sleepy');
      await register(registryRecord(deviceId, { heartbeatIntervalSeconds: 30 }));
      await eventually(async () => expect(await supervisionOf(deviceId)).toHaveLength(1), 30_000);
      await send(deviceId, { id: 'hb-1', type: 'heartbeat', battery: 80 });
      await taken(deviceId, 1);
      const [watch] = await supervisionOf(deviceId);
      const supervision = () => centre.app.get(SupervisionService);

      await supervision().raiseSilent(new Date(watch.silent_after.getTime() - 1000));
      expect(await silenceAlarmsOf(deviceId)).toEqual([]);
      await supervision().raiseSilent(new Date(watch.silent_after.getTime() + 1000));
      await supervision().raiseSilent(new Date(watch.silent_after.getTime() + 60_000));
      const [silent] = await silenceAlarmsOf(deviceId);
      expect(await silenceAlarmsOf(deviceId)).toEqual([
        expect.objectContaining({ kind: 'technical', priority: 3, state: 'open' }),
      ]);
      expect((await supervisionOf(deviceId))[0].silent_alarm_id).toBe(silent.id);

      await send(deviceId, { id: 'hb-2', type: 'heartbeat', battery: 79 });
      await taken(deviceId, 2);
      expect(await silenceAlarmsOf(deviceId)).toEqual([
        expect.objectContaining({ id: silent.id, state: 'resolved', outcome: 'cleared_by_device' }),
      ]);
      expect((await stepsOf(silent.id)).map((entry) => [entry.step, entry.actor_kind])).toEqual([
        ['received', 'system'],
        ['cleared_by_device', 'device'],
      ]);
      const [rewatch] = await supervisionOf(deviceId);
      expect(rewatch).toMatchObject({ silent_alarm_id: null });
      expect(rewatch.silent_after.getTime()).toBeGreaterThan(watch.silent_after.getTime());

      // Still watched after a restart: the deadline is in the database.
      await centre.close();
      centre = await startResponseCentre(database.url, RULES_ENV());
      await supervision().raiseSilent(new Date(rewatch.silent_after.getTime() + 1000));
      expect((await silenceAlarmsOf(deviceId)).map((alarm) => alarm.state)).toEqual(['resolved', 'open']);
    });

    it('raises one system alarm, not one per device, when much of the fleet falls silent at once', async () => {
      const fleetDb = await createTestDatabase('rules_fleet');
      const fleetCentre = await startResponseCentre(fleetDb.url, {
        KAFKA_CONSUMER_GROUP: uniqueName('rc-fleet'),
        FLEET_SILENCE_MIN_DEVICES: '5',
        FLEET_SILENCE_FRACTION: '0.5',
      });
      const fleetSql = new Pool({ connectionString: fleetDb.url, max: 1 });
      try {
        const devices = Array.from({ length: 8 }, () => uniqueName('fleet'));
        await register(...devices.map((deviceId) => registryRecord(deviceId, { heartbeatIntervalSeconds: 60 })));
        const watched = async () =>
          (
            await fleetSql.query(
              'SELECT device_id, silent_alarm_id FROM device_supervision WHERE device_id = ANY($1::varchar[])',
              [devices],
            )
          ).rows as { device_id: string; silent_alarm_id: string | null }[];
        await eventually(async () => expect(await watched()).toHaveLength(devices.length), 30_000);

        // Kafka or the broker was down for two days: every device looks silent at once. (Longer
        // than the longest heartbeat interval, a day: this instance also watches every device the
        // run's other tests registered, whatever their intervals.)
        const silentCount = await fleetCentre.app
          .get(SupervisionService)
          .raiseSilent(new Date(Date.now() + 2 * 86_400_000));
        expect(silentCount).toBeGreaterThanOrEqual(devices.length);
        // (This instance read every device event of the run too: only silence alarms count here.)
        const alarms = (
          await fleetSql.query(
            "SELECT id, trigger_type, kind, priority, device_id FROM alarms WHERE state <> 'resolved' AND trigger_type IN ('device.silent', 'system.fleet_silent')",
          )
        ).rows as { id: string; trigger_type: string; kind: string; priority: number }[];
        expect(alarms).toEqual([
          expect.objectContaining({ trigger_type: 'system.fleet_silent', kind: 'system', priority: 1 }),
        ]);
        expect((await watched()).map((row) => row.silent_alarm_id)).toEqual(devices.map(() => alarms[0].id));
        const log = (
          await fleetSql.query('SELECT step, details FROM alarm_handling_log WHERE alarm_id = $1', [alarms[0].id])
        ).rows as { step: string; details: { silentDevices: number } }[];
        expect(log).toEqual([{ step: 'received', details: expect.objectContaining({ silentDevices: silentCount }) }]);
      } finally {
        await fleetSql.end();
        await fleetCentre.close();
        await fleetDb.drop();
      }
    });
  });
});
