import { createDatabase, dropDatabase } from '@welfare/infra';
import { testInfra, uniqueName } from './test-infra';

/** A database of its own for one test file; migrations are applied by the service under test. */
export async function createTestDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { postgresServerUrl } = testInfra();
  const name = uniqueName(label)
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const url = await createDatabase(postgresServerUrl, name);
  return { url, drop: () => dropDatabase(postgresServerUrl, name) };
}
