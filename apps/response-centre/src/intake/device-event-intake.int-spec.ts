import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { checkEvent, DeviceEventRecord, encodeRecord, KafkaTopics } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap, TappedRecord } from '../../../../test/support/kafka-tap';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { operatorToken } from '../../../../test/support/tokens';

type EventFields = { id: string; type: string; time?: string } & Record<string, unknown>;

interface Produced {
  partition: number;
  offset: string;
}

interface DeadLetterJson {
  v: number;
  source: string;
  reason: string;
  detail: string;
  deviceId: string | null;
  receivedAt: string;
  origin: { kind: string; topic: string; partition: number; offset: string; consumerGroup: string };
  payload: { encoding: string; data: string };
}

/**
 * The Kafka side of the response centre: records on the device-events topic become device
 * history, alarms, handling-log rows and device commands, exactly once per event however
 * often the record arrives; records it cannot use go to the dead-letter topic and never
 * block the partition. The broker is shared with other test files (and every response centre
 * reads the topic from the beginning), so everything is narrowed to this file's device ids
 * and, for dead letters, to this file's consumer group.
 */
describe('response centre: device-event intake from Kafka', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let consumerGroup: string;
  let kafka: Kafka;
  let producer: Producer;
  let commands: KafkaTap;
  let deadLetters: KafkaTap;
  let db: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('intake');
    consumerGroup = uniqueName('rc-intake');
    centre = await startResponseCentre(database.url, { KAFKA_CONSUMER_GROUP: consumerGroup });
    kafka = new Kafka({
      clientId: uniqueName('intake-test'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    [commands, deadLetters] = await Promise.all([
      KafkaTap.open(KafkaTopics.deviceCommands),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter),
    ]);
    db = new Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await Promise.allSettled([commands?.close(), deadLetters?.close(), producer?.disconnect(), db?.end()]);
    await Promise.allSettled([centre?.close()]);
    await database?.drop();
  });

  function deviceEventRecord(deviceId: string, event: EventFields): DeviceEventRecord {
    return {
      v: 1,
      deviceId,
      receivedAt: new Date().toISOString(),
      event: { time: new Date().toISOString(), ...event },
    } as DeviceEventRecord;
  }

  /** Produces values in order under the device's key; resolves with where each one landed. */
  async function produce(deviceId: string, ...values: (Buffer | string | DeviceEventRecord)[]): Promise<Produced[]> {
    const landed: Produced[] = [];
    for (const value of values) {
      const bytes = typeof value === 'string' || Buffer.isBuffer(value) ? value : encodeRecord(value);
      const [metadata] = await producer.send({
        topic: KafkaTopics.deviceEvents,
        acks: -1,
        messages: [{ key: deviceId, value: bytes }],
      });
      landed.push({ partition: metadata.partition, offset: metadata.baseOffset! });
    }
    return landed;
  }

  async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await db.query(text, params)).rows as T[];
  }

  const alarmsOf = (deviceId: string) =>
    sql<{ id: string; trigger_event_id: string; state: string; acknowledged_by: string | null }>(
      'SELECT id, trigger_event_id, state, acknowledged_by FROM alarms WHERE device_id = $1 ORDER BY opened_at',
      [deviceId],
    );
  const eventsOf = (deviceId: string) =>
    sql<{ event_id: string; type: string; alarm_id: string | null }>(
      'SELECT event_id, type, alarm_id FROM device_events WHERE device_id = $1 ORDER BY id',
      [deviceId],
    );
  const commandsFor = (deviceId: string): TappedRecord[] =>
    commands.records.filter((record) => record.key === deviceId);
  const alarmReceivedFor = (deviceId: string) =>
    commandsFor(deviceId)
      .map((record) => record.value?.command as { type: string; ref?: string; alarmId?: string } | undefined)
      .filter(
        (command): command is { type: string; ref?: string; alarmId?: string } => command?.type === 'alarm.received',
      );
  const ourDeadLettersFor = (deviceId: string): DeadLetterJson[] =>
    deadLetters.records
      .map((record) => ({ ...record, value: record.value as unknown as DeadLetterJson }))
      .filter(
        (record) =>
          record.key === deviceId &&
          record.value?.source === 'response-centre' &&
          record.value.origin?.consumerGroup === consumerGroup,
      )
      .map((record) => record.value);

  async function waitForAlarm(deviceId: string, eventId: string): Promise<string> {
    return eventually(async () => {
      const alarm = (await alarmsOf(deviceId)).find((candidate) => candidate.trigger_event_id === eventId);
      expect(alarm).toBeDefined();
      return alarm!.id;
    });
  }

  it('opens one alarm for an event delivered three times, and tells the device each time with the same alarm id', async () => {
    const deviceId = uniqueName('dup');
    const record = deviceEventRecord(deviceId, { id: 'press-1', type: 'alarm.button' });
    const bytes = encodeRecord(record);
    await producer.send({
      topic: KafkaTopics.deviceEvents,
      acks: -1,
      messages: [1, 2, 3].map(() => ({ key: deviceId, value: bytes })),
    });

    const received = await eventually(() => {
      const found = alarmReceivedFor(deviceId);
      expect(found).toHaveLength(3);
      return found;
    });

    const alarms = await alarmsOf(deviceId);
    expect(alarms).toEqual([expect.objectContaining({ trigger_event_id: 'press-1', state: 'open' })]);
    expect(await eventsOf(deviceId)).toEqual([{ event_id: 'press-1', type: 'alarm.button', alarm_id: alarms[0].id }]);
    expect(received).toEqual([1, 2, 3].map(() => ({ type: 'alarm.received', ref: 'press-1', alarmId: alarms[0].id })));
    expect(commandsFor(deviceId).map((record) => record.value)).toEqual(
      [1, 2, 3].map(() =>
        expect.objectContaining({ v: 1, deviceId, command: expect.objectContaining({ type: 'alarm.received' }) }),
      ),
    );
    const log = await sql<{ step: string }>('SELECT step FROM alarm_handling_log WHERE alarm_id = $1', [alarms[0].id]);
    expect(log).toEqual([{ step: 'received' }]);
    // The relay deletes what it sent.
    await eventually(async () =>
      expect(await sql('SELECT id FROM outbox_messages WHERE message_key = $1', [deviceId])).toEqual([]),
    );
  });

  it('keeps the same event id on two devices apart', async () => {
    const [first, second] = [uniqueName('twin'), uniqueName('twin')];
    await produce(first, deviceEventRecord(first, { id: 'same-id', type: 'alarm.button' }));
    await produce(second, deviceEventRecord(second, { id: 'same-id', type: 'alarm.button' }));
    const [a, b] = await Promise.all([waitForAlarm(first, 'same-id'), waitForAlarm(second, 'same-id')]);
    expect(a).not.toBe(b);
  });

  it('dead-letters records it cannot use, with reason, origin and raw bytes, and the valid alarm behind them still opens', async () => {
    const deviceId = uniqueName('poison');
    const notJson = `{"v":1,"deviceId":"${deviceId}","event":{"id":"cut-off"`;
    const unknownType = JSON.stringify(deviceEventRecord(deviceId, { id: 'panic-1', type: 'alarm.panic' }));
    const notUtf8 = Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x80]);
    const landed = await produce(
      deviceId,
      notJson,
      unknownType,
      notUtf8,
      deviceEventRecord(deviceId, { id: 'after-poison', type: 'alarm.button' }),
    );

    const alarmId = await waitForAlarm(deviceId, 'after-poison');
    const found = await eventually(() => {
      const letters = ourDeadLettersFor(deviceId);
      expect(letters).toHaveLength(3);
      return letters;
    });
    const byOffset = new Map(found.map((letter) => [letter.origin.offset, letter]));
    const origin = (at: Produced) => ({
      kind: 'kafka',
      topic: KafkaTopics.deviceEvents,
      partition: at.partition,
      offset: at.offset,
      consumerGroup,
    });

    expect(byOffset.get(landed[0].offset)).toEqual({
      v: 1,
      source: 'response-centre',
      reason: 'invalid_json',
      detail: expect.stringContaining('not JSON'),
      deviceId,
      receivedAt: expect.any(String),
      origin: origin(landed[0]),
      payload: { encoding: 'utf8', data: notJson },
    });
    expect(byOffset.get(landed[1].offset)).toEqual({
      v: 1,
      source: 'response-centre',
      reason: 'unknown_type',
      detail: expect.stringContaining('alarm.panic'),
      deviceId,
      receivedAt: expect.any(String),
      origin: origin(landed[1]),
      payload: { encoding: 'utf8', data: unknownType },
    });
    expect(byOffset.get(landed[2].offset)).toMatchObject({
      reason: 'invalid_json',
      origin: origin(landed[2]),
      payload: { encoding: 'base64', data: notUtf8.toString('base64') },
    });
    const headers = deadLetters.records.filter(
      (record) => record.key === deviceId && found.includes(record.value as unknown as DeadLetterJson),
    );
    expect(headers.map((record) => record.headers.reason).sort()).toEqual([
      'invalid_json',
      'invalid_json',
      'unknown_type',
    ]);

    // Nothing of the poison was stored; the valid event was.
    expect(await eventsOf(deviceId)).toEqual([{ event_id: 'after-poison', type: 'alarm.button', alarm_id: alarmId }]);
  });

  it('opens an alarm for an event whose extra fields hold \\u0000, and keeps them exactly', async () => {
    const deviceId = uniqueName('nul');
    const extra = { note: 'before\u0000after', nested: { 'k\u0000ey': ['\u0000', 'x\u0000'] } };
    const record = deviceEventRecord(deviceId, { id: 'nul-1', type: 'alarm.button', ...extra });
    expect(checkEvent(record.event)).toEqual({ event: record.event });
    expect(encodeRecord(record).toString('utf8')).toContain('\\u0000');
    await produce(deviceId, record);

    const alarmId = await waitForAlarm(deviceId, 'nul-1');
    const detail = await fetch(`${centre.url}/api/alarms/${alarmId}`, {
      headers: { authorization: `Bearer ${await operatorToken(randomUUID())}` },
    });
    expect(detail.status).toBe(200);
    const body = (await detail.json()) as { triggerEvent: Record<string, unknown>; state: string };
    expect(body.state).toBe('open');
    expect(body.triggerEvent).toEqual(record.event);
    const [stored] = await sql<{ payload: string }>(
      'SELECT payload::text AS payload FROM device_events WHERE device_id = $1',
      [deviceId],
    );
    expect(JSON.parse(stored.payload)).toEqual(record.event);
    expect(ourDeadLettersFor(deviceId)).toEqual([]);
  });

  it('has a handling log the database itself refuses to change or delete', async () => {
    const deviceId = uniqueName('log');
    await produce(deviceId, deviceEventRecord(deviceId, { id: 'log-1', type: 'fall.detected', confidence: 0.9 }));
    const alarmId = await waitForAlarm(deviceId, 'log-1');
    const before = await sql('SELECT * FROM alarm_handling_log WHERE alarm_id = $1', [alarmId]);
    expect(before).toHaveLength(1);

    await expect(
      db.query(`UPDATE alarm_handling_log SET actor_id = 'someone-else' WHERE alarm_id = $1`, [alarmId]),
    ).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE alarm_handling_log SET details = '{}'`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM alarm_handling_log WHERE alarm_id = $1', [alarmId])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query('DELETE FROM alarm_handling_log')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE alarm_handling_log')).rejects.toThrow(/append-only/);

    expect(await sql('SELECT * FROM alarm_handling_log WHERE alarm_id = $1', [alarmId])).toEqual(before);
    // Appending is what it is for: the API still adds steps.
    const note = await fetch(`${centre.url}/api/alarms/${alarmId}/notes`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await operatorToken(randomUUID(), 'op-log')}`,
      },
      body: JSON.stringify({ text: 'still appendable' }),
    });
    expect(note.status).toBe(201);
    expect(await sql('SELECT step FROM alarm_handling_log WHERE alarm_id = $1 ORDER BY id', [alarmId])).toEqual([
      { step: 'received' },
      { step: 'note' },
    ]);
  });

  it('keeps non-alarm events on the device history and opens no alarm for them', async () => {
    const deviceId = uniqueName('quiet');
    const quiet: EventFields[] = [
      { id: 'hb-1', type: 'heartbeat', battery: 81 },
      { id: 'pos-1', type: 'gps.position', lat: 59.91, lon: 10.75, accuracy: 12 },
      { id: 'door-1', type: 'door.opened', door: 'front' },
      { id: 'door-2', type: 'door.closed', door: 'front' },
      { id: 'pow-2', type: 'power.restored' },
      { id: 'cancel-1', type: 'alarm.cancelled', ref: 'never-raised' },
    ];
    const records = quiet.map((event) => deviceEventRecord(deviceId, event));
    // An alarm last, on the same key: once its command is out, everything before it was handled.
    await produce(deviceId, ...records, deviceEventRecord(deviceId, { id: 'marker', type: 'alarm.button' }));

    const markerAlarm = await waitForAlarm(deviceId, 'marker');
    await eventually(() => expect(alarmReceivedFor(deviceId)).toHaveLength(1));

    expect(await eventsOf(deviceId)).toEqual([
      ...quiet.map((event) => ({ event_id: event.id, type: event.type, alarm_id: null })),
      { event_id: 'marker', type: 'alarm.button', alarm_id: markerAlarm },
    ]);
    expect((await alarmsOf(deviceId)).map((alarm) => alarm.trigger_event_id)).toEqual(['marker']);
    expect(commandsFor(deviceId).map((record) => record.value?.command)).toEqual([
      { type: 'alarm.received', ref: 'marker', alarmId: markerAlarm },
    ]);

    const history = await fetch(`${centre.url}/api/devices/${deviceId}/events`, {
      headers: { authorization: `Bearer ${await operatorToken(randomUUID())}` },
    });
    expect(history.status).toBe(200);
    const rows = (await history.json()) as {
      eventId: string;
      type: string;
      alarmId: string | null;
      payload: Record<string, unknown>;
    }[];
    expect(rows.map((row) => row.eventId)).toEqual(['marker', ...quiet.map((event) => event.id).reverse()]);
    for (const record of records) {
      expect(rows.find((row) => row.eventId === record.event.id)).toMatchObject({
        type: record.event.type,
        alarmId: null,
        payload: record.event,
      });
    }
  });

  it('changes nothing when a new instance with a new consumer group re-reads the topic after a restart', async () => {
    const [button, fall, quiet] = [uniqueName('restart'), uniqueName('restart'), uniqueName('restart')];
    await produce(button, deviceEventRecord(button, { id: 'b-1', type: 'alarm.button' }));
    await produce(fall, deviceEventRecord(fall, { id: 'f-1', type: 'fall.detected', confidence: 0.8 }));
    await produce(
      quiet,
      deviceEventRecord(quiet, { id: 'h-1', type: 'heartbeat' }),
      deviceEventRecord(quiet, { id: 'd-1', type: 'door.opened' }),
    );

    const buttonAlarm = await waitForAlarm(button, 'b-1');
    const fallAlarm = await waitForAlarm(fall, 'f-1');
    await eventually(async () => expect(await eventsOf(quiet)).toHaveLength(2));
    await eventually(() => expect([alarmReceivedFor(button).length, alarmReceivedFor(fall).length]).toEqual([1, 1]));
    const taken = await fetch(`${centre.url}/api/alarms/${buttonAlarm}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await operatorToken(randomUUID(), 'op-before-restart')}` },
    });
    expect(taken.status).toBe(200);

    const devices = [button, fall, quiet];
    const snapshot = async () => ({
      alarms: await sql(
        'SELECT id, device_id, trigger_event_id, state, acknowledged_by, acknowledged_at, opened_at FROM alarms WHERE device_id = ANY($1) ORDER BY device_id',
        [devices],
      ),
      events: await sql(
        'SELECT id, device_id, event_id, alarm_id, stored_at FROM device_events WHERE device_id = ANY($1) ORDER BY id',
        [devices],
      ),
      log: await sql(
        'SELECT id, alarm_id, step, actor_id FROM alarm_handling_log WHERE alarm_id = ANY($1::uuid[]) ORDER BY id',
        [[buttonAlarm, fallAlarm]],
      ),
    });
    const before = await snapshot();
    expect(before.alarms).toHaveLength(2);
    expect(before.events).toHaveLength(4);
    expect(before.log.map((row) => row.step)).toEqual(['received', 'received', 'acknowledged']);

    await centre.close();
    const previousGroup = consumerGroup;
    consumerGroup = uniqueName('rc-intake-restarted');
    expect(consumerGroup).not.toBe(previousGroup);
    centre = await startResponseCentre(database.url, { KAFKA_CONSUMER_GROUP: consumerGroup });

    // The new group reads from the beginning: each alarm event is redelivered and its device
    // told again, with the alarm it already has.
    await eventually(() => expect([alarmReceivedFor(button).length, alarmReceivedFor(fall).length]).toEqual([2, 2]));
    expect(alarmReceivedFor(button).map((command) => command.alarmId)).toEqual([buttonAlarm, buttonAlarm]);
    expect(alarmReceivedFor(fall).map((command) => command.alarmId)).toEqual([fallAlarm, fallAlarm]);
    // A new event behind the old ones on the quiet device's partition: once it is stored, they were re-read.
    await produce(quiet, deviceEventRecord(quiet, { id: 'h-2', type: 'heartbeat' }));
    await eventually(async () =>
      expect((await eventsOf(quiet)).map((row) => row.event_id)).toEqual(['h-1', 'd-1', 'h-2']),
    );

    const after = await snapshot();
    expect(after.alarms).toEqual(before.alarms);
    expect(after.events.filter((row) => row.event_id !== 'h-2')).toEqual(before.events);
    expect(after.log).toEqual(before.log);
    expect(after.alarms.find((alarm) => alarm.id === buttonAlarm)).toMatchObject({
      state: 'acknowledged',
      acknowledged_by: 'op-before-restart',
    });
  });

  // The contract accepts a leap second; JavaScript's Date and PostgreSQL do not. The alarm must
  // still open (deviceTimeInstant), never be dead-lettered for its time stamp.
  it('opens alarms for button presses stamped with a leap second, an offset past +-16:00 or year 0000, which the contract accepts', async () => {
    // One device each: presses of one device would be attached to its first alarm as repeats.
    const deviceId = uniqueName('odd-clock');
    const stamps = {
      'leap-1': '2016-12-31T23:59:60Z',
      'far-offset-1': '2026-11-23T10:00:00+16:30',
      'year-zero-1': '0000-01-01T00:00:00Z',
    };
    for (const [id, time] of Object.entries(stamps)) {
      const record = deviceEventRecord(`${deviceId}-${id}`, { id, type: 'alarm.button', time });
      expect(checkEvent(record.event)).toEqual({ event: record.event });
      await produce(`${deviceId}-${id}`, record);
    }

    // Wait for whichever comes first: every alarm, or a record on the dead-letter topic.
    const outcome = await eventually(async () => {
      const alarms = (await Promise.all(Object.keys(stamps).map((id) => alarmsOf(`${deviceId}-${id}`)))).flat();
      const letters = Object.keys(stamps).flatMap((id) => ourDeadLettersFor(`${deviceId}-${id}`));
      if (alarms.length < 3 && letters.length === 0) throw new Error('not all alarms yet, and no dead letter');
      return {
        alarms: alarms.map((alarm) => alarm.trigger_event_id).sort(),
        deadLetters: letters.map((letter) => `${letter.reason}: ${letter.detail}`),
      };
    }, 30_000);
    expect(outcome).toEqual({ alarms: ['far-offset-1', 'leap-1', 'year-zero-1'], deadLetters: [] });

    const stored = await sql<{ trigger_event_id: string; triggered_at: Date }>(
      'SELECT trigger_event_id, triggered_at FROM alarms WHERE device_id LIKE $1',
      [`${deviceId}-%`],
    );
    const instants = Object.fromEntries(stored.map((row) => [row.trigger_event_id, row.triggered_at.toISOString()]));
    expect(instants['leap-1']).toBe('2016-12-31T23:59:59.999Z');
    expect(instants['far-offset-1']).toBe('2026-11-22T17:30:00.000Z');
    expect(instants['year-zero-1']).toMatch(/^0001-01-01T00:00:00/);
    const history = await sql<{ payload: { time: string } }>(
      'SELECT payload FROM device_events WHERE device_id LIKE $1 ORDER BY id',
      [`${deviceId}-%`],
    );
    expect(history.map((row) => row.payload.time).sort()).toEqual(Object.values(stamps).sort());
  });
});
