import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { contractTopicSpecs } from '../../libs/contracts/src/topics';
import { ensurePostgres, startDevTokenIssuer, startKafka, startOwnMqttBroker } from '../../infra/src/index';
import { TEST_INFRA_ENV, TestInfra } from './test-infra';
import { setRunningInfra } from './running-infra';

/**
 * Starts a real single-node Kafka for this run (on free ports, in a temporary directory), and
 * finds or starts PostgreSQL and an MQTT broker. Every test file then makes its own database.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = (message: string) => process.stdout.write(`[test infra] ${message}\n`);
  const scratch = await mkdtemp(join(tmpdir(), 'welfare-test-'));
  const [mqtt, postgres, kafka, devIssuer] = await Promise.all([
    // A broker of the run's own: tests' persistent sessions do not pile up on the machine's.
    // Devices sign in at it as in production; the test publisher account sends what devices may not.
    startOwnMqttBroker({ dataDir: join(scratch, 'mosquitto'), log, anyDevicePublisher: true }),
    ensurePostgres({ embeddedDataDir: join(scratch, 'pglite'), log }),
    startKafka({ dataDir: join(scratch, 'kafka') }),
    startDevTokenIssuer({ keyDir: join(scratch, 'dev-issuer') }),
  ]);
  const infra: TestInfra = {
    runId: `t${Date.now().toString(36)}`,
    kafkaBrokers: kafka.brokers,
    postgresServerUrl: postgres.url,
    mqttUrl: mqtt.url,
    mqttAccess: mqtt.access,
    mqttAccounts: mqtt.accounts,
    devIssuer: {
      issuer: devIssuer.issuer,
      audience: devIssuer.audience,
      jwksUrl: devIssuer.jwksUrl,
      keyFile: devIssuer.keyFile,
    },
  };
  await createContractTopics(kafka.brokers);
  process.env[TEST_INFRA_ENV] = JSON.stringify(infra);
  setRunningInfra({ kafka, mqtt, postgres, devIssuer, scratch });
  log(
    `kafka ${kafka.brokers}, postgres ${postgres.kind}, mqtt ${mqtt.kind} ${mqtt.url}: ready in ${Date.now() - started} ms`,
  );
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
