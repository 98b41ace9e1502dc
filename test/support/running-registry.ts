import { createHttpApp, loadConfig } from '@welfare/platform';
import { RegistryConfig } from '../../apps/registry/src/registry.config';
import { RegistryModule } from '../../apps/registry/src/registry.module';
import type { RunningService } from './running-services';
import { testInfra } from './test-infra';

type Env = Record<string, string>;

/** The registry as it runs in production (HTTP API, outbox relay to Kafka), on the test infrastructure. */
export async function startRegistry(databaseUrl: string, env: Env = {}): Promise<RunningService> {
  const config = loadConfig(RegistryConfig, {
    KAFKA_BROKERS: testInfra().kafkaBrokers,
    DATABASE_URL: databaseUrl,
    DATABASE_RUN_MIGRATIONS: 'true',
    DATABASE_POOL_SIZE: '5',
    OUTBOX_POLL_INTERVAL_MS: '200',
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const app = await createHttpApp({ module: RegistryModule.forRoot(config), settings: config, openApi: { title: 'test', description: 'test', version: '1' } });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
