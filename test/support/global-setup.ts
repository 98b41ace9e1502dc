import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { contractTopicSpecs } from '../../libs/contracts/src/topics';
import { ensurePostgres, startDevTokenIssuer, startKafka, startOwnMqttBroker } from '../../infra/src/index';
import { RunInfra, TEST_INFRA_ENV } from './test-infra';
import { setRunningInfra } from './running-infra';

/**
 * Starts, for each jest worker, a real single-node Kafka and an MQTT broker of its own (free
 * ports, a temporary directory), and finds or starts PostgreSQL. Every test file then makes its
 * own database. A worker's brokers are its own because every test file's response centre takes
 * in every device alarm on its topics (a centre also answers devices it does not know): files
 * side by side on one Kafka would answer each other's devices.
 */
export default async function globalSetup(config: { maxWorkers: number }): Promise<void> {
  const started = Date.now();
  const log = (message: string) => process.stdout.write(`[test infra] ${message}\n`);
  const scratch = await mkdtemp(join(tmpdir(), 'welfare-test-'));
  const workers = Array.from({ length: Math.max(1, config.maxWorkers) }, (_, i) => i + 1);
  const [brokers, postgres, devIssuer] = await Promise.all([
    Promise.all(workers.map((worker) => startWorkerBrokers(join(scratch, `worker-${worker}`), log))),
    ensurePostgres({ embeddedDataDir: join(scratch, 'pglite'), log }),
    startDevTokenIssuer({ keyDir: join(scratch, 'dev-issuer') }),
  ]);
  const infra: RunInfra = {
    runId: `t${Date.now().toString(36)}`,
    postgresServerUrl: postgres.url,
    devIssuer: {
      issuer: devIssuer.issuer,
      audience: devIssuer.audience,
      jwksUrl: devIssuer.jwksUrl,
      keyFile: devIssuer.keyFile,
    },
    workers: brokers.map(({ kafka, mqtt }) => ({
      kafkaBrokers: kafka.brokers,
      mqttUrl: mqtt.url,
      mqttAccess: mqtt.access,
      mqttAccounts: mqtt.accounts,
    })),
  };
  process.env[TEST_INFRA_ENV] = JSON.stringify(infra);
  setRunningInfra({
    kafka: brokers.map((b) => b.kafka),
    mqtt: brokers.map((b) => b.mqtt),
    postgres,
    devIssuer,
    scratch,
  });
  log(
    `${workers.length} worker(s), each with a Kafka (${infra.workers.map((w) => w.kafkaBrokers).join(', ')}) and ` +
      `an MQTT broker (${brokers[0].mqtt.kind}); postgres ${postgres.kind}: ready in ${Date.now() - started} ms`,
  );
}

/**
 * A jest worker's Kafka, with the contract topics, and its MQTT broker: a broker of the run's
 * own, so tests' persistent sessions do not pile up on the machine's. Devices sign in at it as
 * in production; the test publisher account sends what devices may not.
 */
async function startWorkerBrokers(dir: string, log: (message: string) => void) {
  const [mqtt, kafka] = await Promise.all([
    startOwnMqttBroker({ dataDir: join(dir, 'mosquitto'), log, anyDevicePublisher: true }),
    startKafka({ dataDir: join(dir, 'kafka') }),
  ]);
  await createContractTopics(kafka.brokers);
  return { mqtt, kafka };
}

/** The topics exist before any test taps them, as they do on a deployed cluster. */
async function createContractTopics(brokers: string): Promise<void> {
  const admin = new Kafka({ clientId: 'test-setup', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: contractTopicSpecs(), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
