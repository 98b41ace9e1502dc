import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { KafkaTopics } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap } from '../../../../test/support/kafka-tap';
import { ingestorConfig, startIngestor } from '../../../../test/support/running-services';
import { contractEvent, SimulatedDevice } from '../../../../test/support/simulated-device';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { DeviceMessageIngestService } from '../ingest/device-message-ingest.service';
import { IngestorModule } from '../ingestor.module';
import { MqttConnectionService } from './mqtt-connection.service';

/**
 * The ingestor against the real MQTT broker and Kafka. The guarantee under test: a device
 * message is acknowledged to the broker only after Kafka has it, so a connection or process
 * that dies in between leaves the message with the broker, which delivers it again.
 */
describe('ingestor: MQTT to Kafka', () => {
  let events: KafkaTap;
  let deadLetters: KafkaTap;
  let device: SimulatedDevice;

  beforeAll(async () => {
    [events, deadLetters] = await Promise.all([KafkaTap.open(KafkaTopics.deviceEvents), KafkaTap.open(KafkaTopics.deviceEventsDeadLetter)]);
    device = await SimulatedDevice.connect(testInfra().mqttUrl, uniqueName('dev'));
  });

  afterAll(async () => {
    await Promise.allSettled([events.close(), deadLetters.close(), device.close()]);
  });

  const onKafka = (eventId: string) => events.records.filter((record) => record.key === device.deviceId && (record.value.event as { id: string }).id === eventId);

  it('puts valid events on Kafka keyed by device id, and dead-letters bad ones with the raw bytes', async () => {
    const ingestor = await startIngestor();
    try {
      await device.publish(contractEvent('door.opened', 'door-1', { door: 'back', vendorField: 'kept' }));
      await device.publishRaw(Buffer.from([0xc3, 0x28, 0xff]));
      await device.publishRaw(JSON.stringify(contractEvent('alarm.button', 'wrong-topic')), `devices/${device.deviceId}/events/extra`);

      const record = await events.waitFor((candidate) => candidate.key === device.deviceId && (candidate.value.event as { id: string }).id === 'door-1');
      expect(record.value).toMatchObject({ v: 1, deviceId: device.deviceId, event: { type: 'door.opened', door: 'back', vendorField: 'kept' } });
      expect(record.headers).toMatchObject({ type: 'door.opened', eventId: 'door-1' });

      const binary = await deadLetters.waitFor((candidate) => candidate.key === device.deviceId && candidate.value.reason === 'invalid_utf8');
      expect(binary.value.payload).toEqual({ encoding: 'base64', data: Buffer.from([0xc3, 0x28, 0xff]).toString('base64') });

      const metrics = await (await fetch(`${ingestor.url}/metrics`)).text();
      expect(metrics).toMatch(/ingest_accepted_total\{type="door.opened",service="ingestor"\} [1-9]/);
      expect(metrics).toMatch(/ingest_rejected_total\{reason="invalid_utf8",service="ingestor"\} [1-9]/);
      expect((await fetch(`${ingestor.url}/health/ready`)).status).toBe(200);
    } finally {
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
      const order = events.records.filter((record) => record.key === device.deviceId).map((record) => (record.value.event as { id: string }).id);
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
          { key: device.deviceId, value: JSON.stringify({ v: 1, deviceId: device.deviceId, issuedAt: new Date().toISOString(), command }) },
        ],
      });
      expect(await device.waitForCommand((received) => received.ref === 'evt-9')).toEqual(command);
      const poison = await deadLetters.waitFor((record) => record.key === device.deviceId && record.value.source === 'ingestor' && (record.value.origin as { kind: string }).kind === 'kafka');
      expect(poison.value).toMatchObject({ reason: 'invalid_json', payload: { encoding: 'utf8', data: 'not a command' } });
    } finally {
      await producer.disconnect();
      await ingestor.close();
    }
  });
});

/** An ingestor whose hand-over to Kafka never completes, like a process about to die. */
async function startStalledIngestor(clientId: string): Promise<{ seen: string[]; dropConnectionAndClose(): Promise<void> }> {
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
  const moduleRef = await Test.createTestingModule({ imports: [IngestorModule.forRoot(ingestorConfig({ MQTT_CLIENT_ID: clientId }))] })
    .overrideProvider(DeviceMessageIngestService)
    .useValue(stalledIngest)
    .compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    seen,
    async dropConnectionAndClose() {
      // Tear the socket down without DISCONNECT, as a crash would, then let the app go.
      await app.get(MqttConnectionService).mqttClient.endAsync(true);
      died = new Error('process died');
      for (const reject of pending.splice(0)) reject(died);
      await app.close();
    },
  };
}

async function commandProducer(): Promise<Producer> {
  const kafka = new Kafka({ clientId: uniqueName('commands'), brokers: [testInfra().kafkaBrokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}
