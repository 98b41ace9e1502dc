/**
 * The physical limit on the Kafka side: Kafka's own producer performance tool, same broker,
 * same record size and partition count as device-events.v1, acks=all, no throttle.
 */
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTopicPartitions, KafkaTopics } from '@welfare/contracts';
import { runKafkaTool } from '@welfare/infra';

export interface KafkaProducerLimit {
  recordsPerSec: number;
  mbPerSec: number;
  records: number;
  recordBytes: number;
}

const TOPIC = 'bench.producer-performance';
const TOOL = 'org.apache.kafka.tools.ProducerPerformance';
// Final line: "N records sent, R records/sec (M MB/sec), ... ms avg latency, ... ms 50th, ..."; progress lines have no percentiles.
const SUMMARY = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), .* ms 50th/;

export async function measureKafkaProducerLimit(
  brokers: string,
  recordBytes: number,
  records: number,
): Promise<KafkaProducerLimit> {
  await createTopic(brokers, TOPIC, KafkaTopicPartitions[KafkaTopics.deviceEvents]);
  const args = [
    '--bootstrap-server',
    brokers,
    '--topic',
    TOPIC,
    '--num-records',
    String(records),
    '--record-size',
    String(recordBytes),
    '--throughput',
    '-1',
    '--command-property',
    'acks=all',
  ];
  const result = await runKafkaTool(TOOL, args, { heapMb: 256, timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`${TOOL} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return parseSummary(result.stdout, recordBytes);
}

/** The tool's final summary line (the last one: progress lines come every 5 s before it). */
function parseSummary(stdout: string, recordBytes: number): KafkaProducerLimit {
  const line = stdout
    .split('\n')
    .filter((candidate) => SUMMARY.test(candidate))
    .pop();
  const match = line ? SUMMARY.exec(line) : null;
  if (!match) throw new Error(`no summary line in ${TOOL} output:\n${stdout}`);
  return {
    records: Number(match[1]),
    recordsPerSec: Number(match[2]),
    mbPerSec: Number(match[3]),
    recordBytes,
  };
}

async function createTopic(brokers: string, topic: string, numPartitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions, replicationFactor: -1 }] });
  } finally {
    await admin.disconnect();
  }
}
