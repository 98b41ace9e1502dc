import 'reflect-metadata';
import { createHttpApp, loadConfig, runService } from '@welfare/platform';
import { ResponseCentreConfig } from './response-centre.config';
import { ResponseCentreModule } from './response-centre.module';

const config = (() => {
  try {
    return loadConfig(ResponseCentreConfig, process.env);
  } catch (error) {
    process.stderr.write(`response-centre: ${(error as Error).message}\n`);
    process.exit(1);
  }
})();

void runService(
  'response-centre',
  () =>
    createHttpApp({
      module: ResponseCentreModule.forRoot(config),
      settings: config,
      openApi: {
        title: 'Response centre API',
        description:
          'Alarms of the inter-municipal response centre: the queue, the detail with its handling log, and the operator actions.',
        version: '1',
      },
    }),
  () => config.SHUTDOWN_TIMEOUT_MS,
);
