/** What the global setup started or found, handed to every test file through the environment. */
export interface TestInfra {
  runId: string;
  kafkaBrokers: string;
  postgresServerUrl: string;
  mqttUrl: string;
}

export const TEST_INFRA_ENV = 'WELFARE_TEST_INFRA';

export function testInfra(): TestInfra {
  const raw = process.env[TEST_INFRA_ENV];
  if (!raw) throw new Error(`${TEST_INFRA_ENV} is not set: run the tests through jest.config (its global setup starts Kafka)`);
  return JSON.parse(raw) as TestInfra;
}

/** A name unique to this test run, for consumer groups, client ids, device ids and databases. */
export function uniqueName(label: string): string {
  return `${testInfra().runId}-${label}-${Math.random().toString(36).slice(2, 7)}`;
}
