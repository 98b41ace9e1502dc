import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Kafka, KafkaMessage, logLevel, Partitioners } from 'kafkajs';
import { freePort } from './free-port';
import { kafkaClasspath, runKafkaTool, RunningKafka, startKafka } from './kafka-broker';
import { repoRoot } from './repo-root';

const TOPIC = 'infra-roundtrip';

// Silent: right after a restart kafkajs logs (and retries) "coordinator is loading" crashes at
// ERROR level; real failures surface through the assertions.
function client(brokers: string, requestTimeout = 30_000): Kafka {
  return new Kafka({
    clientId: 'infra-int-spec',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    requestTimeout,
    retry: { retries: 2 },
  });
}

/** Reads topic from the beginning with a fresh group until `count` messages arrived. */
async function consume(kafka: Kafka, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `infra-${Date.now()}-${Math.random()}` });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} messages within 60 s`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(message);
            if (got.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('kafkaClasspath', () => {
  it('is cached on disk per pom.xml content, so a fresh module load skips Maven', async () => {
    const cp = await kafkaClasspath();
    const jars = cp.split(':');
    expect(jars.some((j) => /kafka_2\.13-4\.\d+\.\d+\.jar$/.test(j))).toBe(true);
    expect(jars.some((j) => /log4j-slf4j-impl-.*\.jar$/.test(j))).toBe(true);
    const cacheDir = join(repoRoot(), '.cache', 'kafka');
    expect(readdirSync(cacheDir).some((f) => /^classpath-[0-9a-f]{16}\.txt$/.test(f))).toBe(true);

    const cached = readdirSync(cacheDir).filter((f) => /^classpath-[0-9a-f]{16}\.txt$/.test(f));
    expect(cached.map((f) => readFileSync(join(cacheDir, f), 'utf8').trim())).toContain(cp);
  });

  it('runs Kafka tools with it', async () => {
    const res = await runKafkaTool('org.apache.kafka.tools.TopicCommand', ['--version']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^4\.\d+\.\d+/m);
    expect(res.stderr).not.toMatch(/SLF4J/);
  });
});

describe('startKafka', () => {
  let dataDir: string;
  let broker: RunningKafka | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'infra-kafka-'));
  });

  afterAll(async () => {
    await broker?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts, takes an idempotent acks=all write, serves it, and keeps it across a restart', async () => {
    broker = await startKafka({ dataDir });
    const { port, controllerPort, pid } = broker;
    expect(broker.brokers).toBe(`127.0.0.1:${port}`);
    expect(port).not.toBe(controllerPort);
    expect(existsSync(join(dataDir, 'data', 'meta.properties'))).toBe(true);

    const kafka = client(broker.brokers);
    const admin: Admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
    await admin.disconnect();

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'device-1', value: 'hello' }] });
    await producer.disconnect();
    expect(meta.errorCode).toBe(0);

    const first = await consume(kafka, TOPIC, 1);
    expect(first.map((m) => [m.key?.toString(), m.value?.toString()])).toEqual([['device-1', 'hello']]);

    await broker.stop();
    expect(isAlive(pid)).toBe(false);

    broker = await startKafka({ dataDir, port, controllerPort });
    expect(broker.pid).not.toBe(pid);
    const again = client(broker.brokers);
    const admin2 = again.admin();
    await admin2.connect();
    expect(await admin2.listTopics()).toContain(TOPIC);
    const offsets = await admin2.fetchTopicOffsets(TOPIC);
    await admin2.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(1);
    const second = await consume(again, TOPIC, 1);
    expect(second.map((m) => m.value?.toString())).toEqual(['hello']);

    // Writing goes straight into the log file, and the restart appended to it.
    const log = await readFile(broker.logFile, 'utf8');
    expect(log.match(/Kafka Server started/g)?.length).toBe(2);
    expect(log).not.toMatch(/SLF4J/);

    // SIGSTOP freezes the broker (fault tests) without ending it; SIGCONT brings it back.
    await broker.kill('SIGSTOP');
    const frozen = client(broker.brokers, 2000).admin();
    await expect(frozen.connect().then(() => frozen.describeCluster())).rejects.toThrow();
    await frozen.disconnect();
    await broker.kill('SIGCONT');
    const thawed = client(broker.brokers).admin();
    await thawed.connect();
    expect((await thawed.describeCluster()).brokers).toHaveLength(1);
    await thawed.disconnect();

    await broker.kill();
    expect(isAlive(broker.pid)).toBe(false);
    broker = undefined;
  });

  it('rejects with the tail of its log when the JVM exits during startup', async () => {
    // It only holds the port. A connection it accepted (the readiness probe's) would outlive
    // close() and keep the jest worker from exiting, so it hangs up at once.
    const blocker: Server = createServer((socket) => socket.destroy());
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const dir = await mkdtemp(join(tmpdir(), 'infra-kafka-busy-'));
    try {
      await expect(startKafka({ dataDir: dir, port, readyTimeoutMs: 60_000 })).rejects.toThrow(
        /did not start[\s\S]*last lines[\s\S]*Address already in use/,
      );
    } finally {
      blocker.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
