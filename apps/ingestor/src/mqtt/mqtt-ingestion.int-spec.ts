import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Counter, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@welfare/platform';
import { DEVICE_EVENT_TOPICS, KafkaTopics } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap } from '../../../../test/support/kafka-tap';
import {
  ingestorConfig,
  RunningService,
  startIngestor,
  startRegistry,
} from '../../../../test/support/running-services';
import { connectAnyDevicePublisher } from '../../../../test/support/broker-access';
import { onboard, onboardFleet, OnboardedFleet, registerInStock } from '../../../../test/support/device-fleet';
import { createTestDatabase } from '../../../../test/support/test-database';
import { contractEvent, SimulatedDevice } from '../../../../test/support/simulated-device';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { DeviceMessageIngestService } from '../ingest/device-message-ingest.service';
import { IngestorModule } from '../ingestor.module';
import { MqttIntakeService } from './mqtt-intake.service';

/**
 * The ingestor against the real MQTT broker and Kafka. The guarantee under test: a device
 * message is acknowledged to the broker only after Kafka has it, so a connection or process
 * that dies in between leaves the message with the broker, which delivers it again.
 */
describe('ingestor: MQTT to Kafka', () => {
  let events: KafkaTap;
  let deadLetters: KafkaTap;
  let device: SimulatedDevice;
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let fleet: OnboardedFleet;

  beforeAll(async () => {
    [events, deadLetters] = await Promise.all([
      KafkaTap.open(DEVICE_EVENT_TOPICS),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter),
    ]);
    // The device is onboarded at the real registry: on registry.devices.v1 and at the broker.
    database = await createTestDatabase('ingestion');
    registry = await startRegistry(database.url);
    fleet = await onboardFleet(registry.url, [uniqueName('dev')]);
    device = await SimulatedDevice.connect(testInfra().mqttUrl, fleet.devices[0].deviceId, fleet.devices[0].secret);
  });

  afterAll(async () => {
    await Promise.allSettled([events.close(), deadLetters.close(), device.close()]);
    await registry?.close();
    await database?.drop();
  });

  const onKafka = (eventId: string) =>
    events.records.filter(
      (record) => record.key === device.deviceId && (record.value.event as { id: string }).id === eventId,
    );

  it('puts valid events on Kafka keyed by device id, and dead-letters bad ones with the raw bytes', async () => {
    const ingestor = await startIngestor();
    try {
      await device.publish(contractEvent('door.opened', 'door-1', { door: 'back', vendorField: 'kept' }));
      await device.publishRaw(Buffer.from([0xc3, 0x28, 0xff]));
      await device.publishRaw(
        JSON.stringify(contractEvent('alarm.button', 'wrong-topic')),
        `devices/${device.deviceId}/events/extra`,
      );

      const record = await events.waitFor(
        (candidate) => candidate.key === device.deviceId && (candidate.value.event as { id: string }).id === 'door-1',
      );
      expect(record.value).toMatchObject({
        v: 1,
        deviceId: device.deviceId,
        event: { type: 'door.opened', door: 'back', vendorField: 'kept' },
      });
      expect(record.headers).toMatchObject({ type: 'door.opened', eventId: 'door-1' });

      const binary = await deadLetters.waitFor(
        (candidate) => candidate.key === device.deviceId && candidate.value.reason === 'invalid_utf8',
      );
      expect(binary.value.payload).toEqual({
        encoding: 'base64',
        data: Buffer.from([0xc3, 0x28, 0xff]).toString('base64'),
      });

      const metrics = await (await fetch(`${ingestor.url}/metrics`)).text();
      expect(metrics).toMatch(/ingest_accepted_total\{type="door.opened",service="ingestor"\} [1-9]/);
      expect(metrics).toMatch(/ingest_rejected_total\{reason="invalid_utf8",service="ingestor"\} [1-9]/);
      expect((await fetch(`${ingestor.url}/health/ready`)).status).toBe(200);
    } finally {
      await ingestor.close();
    }
  });

  it('dead-letters events of unknown, in-stock and retired devices with the reason, and takes those of a device onboarded a moment ago', async () => {
    const unknown = uniqueName('unknown');
    const inStock = await registerInStock(fleet.api);
    const retired = (await onboard(fleet.api, await registerInStock(fleet.api), fleet.residentId)).deviceId;
    await fleet.api.expect(200, 'POST', `/api/devices/${retired}/retire`);
    // Started after the retirement: its start-up reads the registry topic to its end, so its view has it.
    const ingestor = await startIngestor();
    // Devices that cannot sign in cannot send these: the test-only publisher stands in for a
    // broker whose credentials lag behind the registry or are wired wrong.
    const publisher = await connectAnyDevicePublisher();
    try {
      // Published right after the onboarding answered: the ingestor's view may not have it yet.
      const fresh = await onboard(fleet.api, await registerInStock(fleet.api), fleet.residentId);
      const freshDevice = await SimulatedDevice.connect(testInfra().mqttUrl, fresh.deviceId, fresh.secret);
      await freshDevice.publish(contractEvent('alarm.button', 'fresh-1'));
      await freshDevice.close();
      for (const id of [unknown, inStock, retired])
        await publisher.publishAsync(
          `devices/${id}/events`,
          JSON.stringify(contractEvent('alarm.button', `from-${id}`)),
          { qos: 1 },
        );

      const reasons = await Promise.all(
        [unknown, inStock, retired].map(
          async (id) =>
            (await deadLetters.waitFor((record) => record.key === id && record.value.origin !== undefined)).value,
        ),
      );
      expect(reasons.map((record) => record.reason)).toEqual(['unknown_device', 'device_in_stock', 'device_retired']);
      expect(reasons[0]).toMatchObject({
        source: 'ingestor',
        deviceId: unknown,
        origin: { kind: 'mqtt', topic: `devices/${unknown}/events` },
        detail: expect.stringContaining('not in the registry'),
      });
      expect(events.records.filter((record) => [unknown, inStock, retired].includes(record.key ?? ''))).toEqual([]);
      await events.waitFor(
        (record) => record.key === fresh.deviceId && (record.value.event as { id: string }).id === 'fresh-1',
      );

      const metrics = await (await fetch(`${ingestor.url}/metrics`)).text();
      for (const reason of ['unknown_device', 'device_in_stock', 'device_retired'])
        expect(metrics).toMatch(new RegExp(`ingest_rejected_total\\{reason="${reason}",service="ingestor"\\} 1`));
      expect(metrics).toMatch(/registry_view_devices\{service="ingestor"\} [1-9]/);
    } finally {
      await publisher.endAsync();
      await ingestor.close();
    }
  });

  it('holds the PUBACK until Kafka has the event: a connection lost before that gets the message again', async () => {
    const clientId = uniqueName('ingestor-session');
    const stalled = await startStalledIngestor(clientId);
    await device.publish(contractEvent('alarm.button', 'crash-1'));
    await eventually(() => expect(stalled.seen).toContain(`devices/${device.deviceId}/events`));

    // The connection dies while the event waits for Kafka: no PUBACK was ever sent.
    await stalled.dropConnectionAndClose();
    expect(onKafka('crash-1')).toHaveLength(0);

    const successor = await startIngestor({ MQTT_CLIENT_ID: clientId });
    try {
      await eventually(() => expect(onKafka('crash-1')).toHaveLength(1));
    } finally {
      await successor.close();
    }
  });

  it('keeps messages sent while it was stopped, and takes them in after it starts again', async () => {
    const clientId = uniqueName('ingestor-session');
    await (await startIngestor({ MQTT_CLIENT_ID: clientId })).close();
    for (const id of ['offline-1', 'offline-2', 'offline-3']) await device.publish(contractEvent('heartbeat', id));

    const restarted = await startIngestor({ MQTT_CLIENT_ID: clientId });
    try {
      await eventually(() => {
        for (const id of ['offline-1', 'offline-2', 'offline-3']) expect(onKafka(id)).toHaveLength(1);
      });
      const order = events.records
        .filter((record) => record.key === device.deviceId)
        .map((record) => (record.value.event as { id: string }).id);
      expect(order.filter((id) => id.startsWith('offline-'))).toEqual(['offline-1', 'offline-2', 'offline-3']);
    } finally {
      await restarted.close();
    }

    // They were acknowledged too (they arrive before mqtt.js reports the connection): the
    // broker does not deliver them again to the next session.
    const again = await startIngestor({ MQTT_CLIENT_ID: clientId });
    try {
      await device.publish(contractEvent('heartbeat', 'offline-marker'));
      await eventually(() => expect(onKafka('offline-marker')).toHaveLength(1));
      for (const id of ['offline-1', 'offline-2', 'offline-3']) expect(onKafka(id)).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('publishes device commands from Kafka to the device, and dead-letters a command it cannot read', async () => {
    const ingestor = await startIngestor();
    const producer = await commandProducer();
    try {
      const command = { type: 'alarm.received', ref: 'evt-9', alarmId: '00000000-0000-4000-8000-000000000009' };
      await producer.send({
        topic: KafkaTopics.deviceCommands,
        messages: [
          { key: device.deviceId, value: 'not a command' },
          {
            key: device.deviceId,
            value: JSON.stringify({ v: 1, deviceId: device.deviceId, issuedAt: new Date().toISOString(), command }),
          },
        ],
      });
      expect(await device.waitForCommand((received) => received.ref === 'evt-9')).toEqual(command);
      const poison = await deadLetters.waitFor(
        (record) =>
          record.key === device.deviceId &&
          record.value.source === 'ingestor' &&
          (record.value.origin as { kind: string }).kind === 'kafka',
      );
      expect(poison.value).toMatchObject({
        reason: 'invalid_json',
        payload: { encoding: 'utf8', data: 'not a command' },
      });
    } finally {
      await producer.disconnect();
      await ingestor.close();
    }
  });

  it('stops its command consumer before its command connection on shutdown: no command in hand fails for a closing connection', async () => {
    const ingestor = await startIngestor();
    const retried = ingestor.app
      .get<Registry>(METRICS_REGISTRY)
      .getSingleMetric('kafka_records_retried_total') as Counter;
    const producer = await commandProducer();
    const arrived = () => device.commands.filter((received) => String(received.ref).startsWith('stop-')).length;
    let arrivedAtShutdown: number;
    try {
      const command = (i: number) => ({
        v: 1,
        deviceId: device.deviceId,
        issuedAt: new Date().toISOString(),
        command: { type: 'alarm.received', ref: `stop-${i}`, alarmId: '00000000-0000-4000-8000-000000000010' },
      });
      await producer.send({
        topic: KafkaTopics.deviceCommands,
        messages: Array.from({ length: 3000 }, (_, i) => ({ key: device.deviceId, value: JSON.stringify(command(i)) })),
      });
      // Commands are flowing to the device when the shutdown begins.
      await device.waitForCommand((received) => received.ref === 'stop-0');
    } finally {
      await producer.disconnect();
      arrivedAtShutdown = arrived();
      await ingestor.close();
    }
    // The shutdown came while commands were still in hand, or the test shows nothing.
    expect(arrivedAtShutdown).toBeLessThan(3000);
    expect((await retried.get()).values.reduce((sum, value) => sum + value.value, 0)).toBe(0);
  });
});

/** An ingestor whose hand-over to Kafka never completes, like a process about to die. */
async function startStalledIngestor(
  clientId: string,
): Promise<{ seen: string[]; dropConnectionAndClose(): Promise<void> }> {
  const seen: string[] = [];
  // Every hand-over hangs until the "process dies"; from then on each one fails at once, so a
  // retry begun before the connection's close event is seen cannot hang the shutdown.
  let died: Error | null = null;
  const pending: ((error: Error) => void)[] = [];
  const stalledIngest = {
    ingest: (topic: string) => {
      seen.push(topic);
      return new Promise((_resolve, reject) => (died ? reject(died) : pending.push(reject)));
    },
  };
  const moduleRef = await Test.createTestingModule({
    imports: [IngestorModule.forRoot(ingestorConfig({ MQTT_CLIENT_ID: clientId }))],
  })
    .overrideProvider(DeviceMessageIngestService)
    .useValue(stalledIngest)
    .compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    seen,
    async dropConnectionAndClose() {
      // Tear the socket down without DISCONNECT, as a crash would, then let the app go.
      app.get(MqttIntakeService).cutConnection();
      died = new Error('process died');
      for (const reject of pending.splice(0)) reject(died);
      await app.close();
    },
  };
}

async function commandProducer(): Promise<Producer> {
  const kafka = new Kafka({
    clientId: uniqueName('commands'),
    brokers: [testInfra().kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}
