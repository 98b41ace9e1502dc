import type { DevIssuerFile } from '../../infra/src/dev-token-issuer';
import type { BrokerAccounts } from '../../infra/src/broker-accounts';
import type { BrokerAccess } from '../../infra/src/mqtt-broker';

/** What the global setup started or found, handed to every test file through the environment. */
export interface TestInfra {
  runId: string;
  kafkaBrokers: string;
  postgresServerUrl: string;
  mqttUrl: string;
  /** How the run's broker signs devices in, and its service accounts (test/support/broker-access.ts). */
  mqttAccess: BrokerAccess;
  mqttAccounts: BrokerAccounts | null;
  /** The run's token issuer: tests mint bearer tokens with its key (test/support/tokens.ts). */
  devIssuer: DevIssuerFile;
}

/** A Kafka and an MQTT broker of one jest worker's own. */
export type WorkerBrokers = Pick<TestInfra, 'kafkaBrokers' | 'mqttUrl' | 'mqttAccess' | 'mqttAccounts'>;

/** What the global setup hands on: the shared parts, and brokers for each jest worker. */
export interface RunInfra extends Omit<TestInfra, keyof WorkerBrokers> {
  workers: WorkerBrokers[];
}

export const TEST_INFRA_ENV = 'WELFARE_TEST_INFRA';

/**
 * This test file's infrastructure: the brokers of the jest worker running it. Files in one
 * worker run one after another and share its topics; files in different workers never meet.
 */
export function testInfra(): TestInfra {
  const raw = process.env[TEST_INFRA_ENV];
  if (!raw)
    throw new Error(`${TEST_INFRA_ENV} is not set: run the tests through jest.config (its global setup starts Kafka)`);
  const { workers, ...shared } = JSON.parse(raw) as RunInfra;
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const brokers = workers[worker - 1];
  if (!brokers) throw new Error(`no brokers for jest worker ${worker}: the global setup started ${workers.length}`);
  return { ...shared, ...brokers };
}

/** A name unique to this test run, for consumer groups, client ids, device ids and databases. */
export function uniqueName(label: string): string {
  return `${testInfra().runId}-${label}-${Math.random().toString(36).slice(2, 7)}`;
}
