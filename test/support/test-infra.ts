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

export const TEST_INFRA_ENV = 'WELFARE_TEST_INFRA';

export function testInfra(): TestInfra {
  const raw = process.env[TEST_INFRA_ENV];
  if (!raw)
    throw new Error(`${TEST_INFRA_ENV} is not set: run the tests through jest.config (its global setup starts Kafka)`);
  return JSON.parse(raw) as TestInfra;
}

/** A name unique to this test run, for consumer groups, client ids, device ids and databases. */
export function uniqueName(label: string): string {
  return `${testInfra().runId}-${label}-${Math.random().toString(36).slice(2, 7)}`;
}
