/**
 * A diagnostic next to the limits: kafkajs with the ingestor's producer settings (idempotent,
 * acks=all, one request in flight), one record per send, each send awaited before the next.
 * That is how the ingestor hands over an MQTT message; if our ingest rate sits close to this
 * figure, the per-message round trip to Kafka is what caps it, not CPU.
 */
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { KafkaTopicPartitions, KafkaTopics } from '@welfare/contracts';

export interface SequentialSendLimit {
  sendsPerSec: number;
  meanRoundTripMs: number;
}

const TOPIC = 'bench.sequential-sends';

export async function measureSequentialSends(
  brokers: string,
  recordBytes: number,
  seconds: number,
): Promise<SequentialSendLimit> {
  const kafka = new Kafka({ clientId: 'bench-sequential', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: TOPIC, numPartitions: KafkaTopicPartitions[KafkaTopics.deviceEvents] }],
  });
  await admin.disconnect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const value = Buffer.alloc(recordBytes, 'x');
    await sendFor(producer.send.bind(producer), value, 1); // warm-up: metadata, JIT
    const start = performance.now();
    const sends = await sendFor(producer.send.bind(producer), value, seconds);
    const elapsedMs = performance.now() - start;
    return { sendsPerSec: (sends * 1000) / elapsedMs, meanRoundTripMs: elapsedMs / sends };
  } finally {
    await producer.disconnect();
  }
}

type Send = (record: { topic: string; acks: number; messages: { key: string; value: Buffer }[] }) => Promise<unknown>;

/** Sends one record at a time for `seconds`, keys spread like device ids; returns how many. */
async function sendFor(send: Send, value: Buffer, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let sends = 0;
  while (performance.now() < end) {
    await send({ topic: TOPIC, acks: -1, messages: [{ key: `device-${sends % 200}`, value }] });
    sends++;
  }
  return sends;
}
