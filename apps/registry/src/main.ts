import 'reflect-metadata';
import { createHttpApp, loadConfig, runService } from '@welfare/platform';
import { RegistryConfig } from './registry.config';
import { RegistryModule } from './registry.module';

const config = (() => {
  try {
    return loadConfig(RegistryConfig, process.env);
  } catch (error) {
    process.stderr.write(`registry: ${(error as Error).message}\n`);
    process.exit(1);
  }
})();

void runService(
  'registry',
  () =>
    createHttpApp({
      module: RegistryModule.forRoot(config),
      settings: config,
      openApi: {
        title: 'Registry API',
        description:
          'Response centres, municipalities, home-care teams, residents and devices; device onboarding with a one-time MQTT secret, rotation, retirement; bulk import from CSV. Every device change goes out on the compacted Kafka topic registry.devices.v1.',
        version: '1',
      },
    }),
  () => config.SHUTDOWN_TIMEOUT_MS,
);
