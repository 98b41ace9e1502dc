import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { DEVICE_EVENT_TOPICS, KafkaTopics } from '@welfare/contracts';
import { KAFKA_CLIENT, KafkaProducerService, OutgoingRecord } from '@welfare/kafka';
import { EmbeddedAedes, RunningKafka, startEmbeddedAedes, startKafka } from '@welfare/infra';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap, TappedRecord } from '../../../../test/support/kafka-tap';
import {
  ingestorConfig,
  RunningService,
  startIngestor,
  startRegistry,
} from '../../../../test/support/running-services';
import { onboardFleet, OnboardedDevice } from '../../../../test/support/device-fleet';
import { createTestDatabase } from '../../../../test/support/test-database';
import { contractEvent, SimulatedDevice } from '../../../../test/support/simulated-device';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { IngestorModule } from '../ingestor.module';
import { MqttIntakeService } from './mqtt-intake.service';

/**
 * The pipelined intake: many messages in flight between the broker and Kafka at once, while a
 * device's order holds within each lane, a PUBACK goes only once Kafka has the message, and an
 * alarm is handed to Kafka however much telemetry waits ahead of it on the connection. Against
 * Mosquitto (the intake speaks MQTT 5) and aedes (MQTT 3.1.1 only).
 */
type Broker = { label: string; url: () => string };

const eventId = (record: TappedRecord) => (record.value.event as { id?: string } | undefined)?.id ?? '';

/** Ids of the run's events on one lane, in the order Kafka has them (one device: one partition). */
const laneOrder = (tap: KafkaTap, topic: string, deviceId: string, run: string) =>
  tap.records
    .filter((record) => record.topic === topic && record.key === deviceId && eventId(record).startsWith(run))
    .map(eventId);

/** The i-th event of a mixed stream: telemetry (heartbeat, door) and the alarm lane (button, its cancellation). */
function mixedEvent(run: string, i: number): Record<string, unknown> {
  const id = `${run}-${i}`;
  switch (i % 4) {
    case 0:
      return contractEvent('heartbeat', id);
    case 1:
      return contractEvent('alarm.button', id);
    case 2:
      return contractEvent('door.opened', id, { door: 'front' });
    default:
      return contractEvent('alarm.cancelled', id, { ref: `${run}-${i - 2}` });
  }
}
const isAlarmLane = (i: number) => i % 4 === 1 || i % 4 === 3;

describe('ingestor: pipelined intake', () => {
  let events: KafkaTap;
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let devices: OnboardedDevice[];
  let aedes: EmbeddedAedes;

  beforeAll(async () => {
    events = await KafkaTap.open(DEVICE_EVENT_TOPICS);
    database = await createTestDatabase('pipelined');
    registry = await startRegistry(database.url);
    devices = (await onboardFleet(registry.url, [uniqueName('pipe-a'), uniqueName('pipe-b')])).devices;
    aedes = await startEmbeddedAedes();
  });

  afterAll(async () => {
    await Promise.allSettled([events?.close(), aedes?.stop()]);
    await registry?.close();
    await database?.drop();
  });

  const brokers: Broker[] = [
    { label: 'Mosquitto, MQTT 5', url: () => testInfra().mqttUrl },
    { label: 'aedes, MQTT 3.1.1', url: () => aedes.url },
  ];

  describe.each(brokers)('on $label', (broker) => {
    it("keeps one device's order within each lane with hundreds of messages in flight, and acknowledges every one", async () => {
      const [{ deviceId, secret }] = devices;
      const run = uniqueName('order');
      const clientId = uniqueName('ingestor-session');
      const env = { MQTT_URL: broker.url(), MQTT_CLIENT_ID: clientId };
      // A session that queues while the ingestor is away: the backlog then comes in one stream.
      await (await startIngestor(env)).close();
      const device = await SimulatedDevice.connect(broker.url(), deviceId, secret);
      const count = 600;
      try {
        await Promise.all(Array.from({ length: count }, (_, i) => device.publish(mixedEvent(run, i))));
        const ingestor = await startIngestor(env);
        try {
          const sent = Array.from({ length: count }, (_, i) => i);
          const alarms = sent.filter(isAlarmLane).map((i) => `${run}-${i}`);
          const telemetry = sent.filter((i) => !isAlarmLane(i)).map((i) => `${run}-${i}`);
          await eventually(() => {
            expect(laneOrder(events, KafkaTopics.deviceAlarms, deviceId, run)).toHaveLength(alarms.length);
            expect(laneOrder(events, KafkaTopics.deviceEvents, deviceId, run)).toHaveLength(telemetry.length);
          }, 60_000);
          expect(laneOrder(events, KafkaTopics.deviceAlarms, deviceId, run)).toEqual(alarms);
          expect(laneOrder(events, KafkaTopics.deviceEvents, deviceId, run)).toEqual(telemetry);
          await eventually(() => expect(ingestor.app.get(MqttIntakeService).unacknowledged).toBe(0));
        } finally {
          await ingestor.close();
        }

        // Every PUBACK was taken by the broker: the next session gets none of them again.
        const again = await startIngestor(env);
        try {
          await device.publish(contractEvent('heartbeat', `${run}-marker`));
          await eventually(() =>
            expect(laneOrder(events, KafkaTopics.deviceEvents, deviceId, `${run}-marker`)).toHaveLength(1),
          );
          const metrics = await (await fetch(`${again.url}/metrics`)).text();
          expect(metrics).toMatch(/mqtt_intake_redelivered_total\{service="ingestor"\} 0/);
          expect(laneOrder(events, KafkaTopics.deviceAlarms, deviceId, run)).toHaveLength(count / 2);
        } finally {
          await again.close();
        }
      } finally {
        await device.close();
      }
    });

    it('hands an alarm to Kafka while the telemetry ahead of it on the connection cannot reach Kafka', async () => {
      const [, { deviceId, secret }] = devices;
      const run = uniqueName('overtake');
      const gated = await startGatedIngestor({
        MQTT_URL: broker.url(),
        MQTT_CLIENT_ID: uniqueName('ingestor-session'),
      });
      const device = await SimulatedDevice.connect(broker.url(), deviceId, secret);
      const backlog = 1000;
      try {
        for (let i = 0; i < backlog; i++) void device.publish(contractEvent('heartbeat', `${run}-hb-${i}`));
        await device.publish(contractEvent('alarm.button', `${run}-alarm`));

        // Published after every heartbeat, on Kafka while none of them can be.
        await events.waitFor((record) => record.key === deviceId && eventId(record) === `${run}-alarm`, 60_000);
        expect(laneOrder(events, KafkaTopics.deviceAlarms, deviceId, run)).toEqual([`${run}-alarm`]);
        expect(gated.telemetrySent()).toBe(0);
        // The alarm's PUBACK keeps its place behind the heartbeats' (section 4.6): all held.
        expect(gated.intake().unacknowledged).toBe(backlog + 1);

        gated.openGate();
        await eventually(
          () => expect(laneOrder(events, KafkaTopics.deviceEvents, deviceId, run)).toHaveLength(backlog),
          60_000,
        );
        expect(laneOrder(events, KafkaTopics.deviceEvents, deviceId, run)).toEqual(
          Array.from({ length: backlog }, (_, i) => `${run}-hb-${i}`),
        );
        await eventually(() => expect(gated.intake().unacknowledged).toBe(0));
      } finally {
        gated.openGate();
        await device.close();
        await gated.close();
      }
    });
  });
});

describe('ingestor: PUBACK only once Kafka has the message', () => {
  let scratch: string;
  let kafka: RunningKafka;
  let events: KafkaTap;
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let device: SimulatedDevice;

  beforeAll(async () => {
    // A Kafka of this test's own, to stop and start again without disturbing other test files.
    scratch = await mkdtemp(join(tmpdir(), 'welfare-pipelined-'));
    kafka = await startKafka({ dataDir: join(scratch, 'kafka') });
    database = await createTestDatabase('pipelined-kafka-down');
    registry = await startRegistry(database.url, { KAFKA_BROKERS: kafka.brokers });
    const [onboarded] = (await onboardFleet(registry.url, [uniqueName('kafka-down')])).devices;
    device = await SimulatedDevice.connect(testInfra().mqttUrl, onboarded.deviceId, onboarded.secret);
    events = await KafkaTap.open(DEVICE_EVENT_TOPICS, kafka.brokers);
  }, 240_000);

  afterAll(async () => {
    await Promise.allSettled([events?.close(), device?.close()]);
    await registry?.close();
    await database?.drop();
    await kafka?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('holds every PUBACK while Kafka is down, gets the messages again after a lost connection, and loses none once Kafka is back', async () => {
    const run = uniqueName('down');
    const before = uniqueName('before');
    const ingestor = await startIngestor({ KAFKA_BROKERS: kafka.brokers });
    const intake = ingestor.app.get(MqttIntakeService);
    const redelivered = async () =>
      Number(
        /mqtt_intake_redelivered_total\{service="ingestor"\} (\d+)/.exec(
          await (await fetch(`${ingestor.url}/metrics`)).text(),
        )?.[1],
      );
    try {
      await device.publish(contractEvent('alarm.button', before));
      await events.waitFor((record) => eventId(record) === before);
      await eventually(() => expect(intake.unacknowledged).toBe(0));

      await kafka.stop();
      const count = 20;
      for (let i = 0; i < count; i++) await device.publish(mixedEvent(run, i));
      // Taken in, none acknowledged to the broker.
      await eventually(() => expect(intake.unacknowledged).toBe(count), 30_000);

      // The connection drops: the broker still has all of them and delivers them again.
      intake.cutConnection();
      await eventually(async () => {
        expect(await redelivered()).toBe(count);
        expect(intake.unacknowledged).toBe(count);
      }, 30_000);

      kafka = await startKafka({ dataDir: kafka.dataDir, port: kafka.port, controllerPort: kafka.controllerPort });
      const firsts = (topic: string) => [...new Set(laneOrder(events, topic, device.deviceId, `${run}-`))];
      const sent = Array.from({ length: count }, (_, i) => i);
      await eventually(() => {
        expect(firsts(KafkaTopics.deviceAlarms)).toEqual(sent.filter(isAlarmLane).map((i) => `${run}-${i}`));
        expect(firsts(KafkaTopics.deviceEvents)).toEqual(sent.filter((i) => !isAlarmLane(i)).map((i) => `${run}-${i}`));
      }, 90_000);
      await eventually(() => expect(intake.unacknowledged).toBe(0), 30_000);
    } finally {
      await ingestor.close();
    }
  }, 300_000);
});

/** A producer whose telemetry-lane sends wait until the gate opens, like a Kafka partition that stalls. */
class GatedTelemetryProducer extends KafkaProducerService {
  telemetrySent = 0;
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  openGate(): void {
    this.open();
  }

  override async send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (topic === KafkaTopics.deviceEvents) {
      await this.opened;
      await super.send(topic, records);
      this.telemetrySent += records.length;
      return;
    }
    await super.send(topic, records);
  }
}

async function startGatedIngestor(env: Record<string, string>) {
  let producer: GatedTelemetryProducer | null = null;
  const moduleRef = await Test.createTestingModule({ imports: [IngestorModule.forRoot(ingestorConfig(env))] })
    .overrideProvider(KafkaProducerService)
    .useFactory({
      factory: (kafka: Kafka) => (producer = new GatedTelemetryProducer(kafka)),
      inject: [KAFKA_CLIENT],
    })
    .compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    intake: () => app.get(MqttIntakeService),
    telemetrySent: () => producer!.telemetrySent,
    openGate: () => producer!.openGate(),
    close: () => app.close(),
  };
}
