import 'reflect-metadata';
import { createHttpApp, loadConfig, runService } from '@welfare/platform';
import { IngestorConfig } from './ingestor.config';
import { IngestorModule } from './ingestor.module';

const config = (() => {
  try {
    return loadConfig(IngestorConfig, process.env);
  } catch (error) {
    process.stderr.write(`ingestor: ${(error as Error).message}\n`);
    process.exit(1);
  }
})();

void runService(
  'ingestor',
  () => createHttpApp({ module: IngestorModule.forRoot(config), settings: config }),
  () => config.SHUTDOWN_TIMEOUT_MS,
);
