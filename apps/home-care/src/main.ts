import 'reflect-metadata';
import { createHttpApp, loadConfig, runService } from '@welfare/platform';
import { HomeCareConfig } from './home-care.config';
import { HomeCareModule } from './home-care.module';

const config = (() => {
  try {
    return loadConfig(HomeCareConfig, process.env);
  } catch (error) {
    process.stderr.write(`home-care: ${(error as Error).message}\n`);
    process.exit(1);
  }
})();

void runService(
  'home-care',
  () =>
    createHttpApp({
      module: HomeCareModule.forRoot(config),
      settings: config,
      openApi: {
        title: 'Home-care API',
        description:
          "Dispatches from the response centre to a home-care team: the team's list, one dispatch with its log, accept (one nurse wins), decline, en route, arrived, complete, and a live stream (Server-Sent Events). The phone page is served at /.",
        version: '1',
      },
    }),
  () => config.SHUTDOWN_TIMEOUT_MS,
);
