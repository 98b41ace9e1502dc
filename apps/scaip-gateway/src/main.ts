import 'reflect-metadata';
import { createHttpApp, loadConfig, runService } from '@welfare/platform';
import { ScaipGatewayConfig } from './scaip-gateway.config';
import { ScaipGatewayModule } from './scaip-gateway.module';

const config = (() => {
  try {
    return loadConfig(ScaipGatewayConfig, process.env);
  } catch (error) {
    process.stderr.write(`scaip-gateway: ${(error as Error).message}\n`);
    process.exit(1);
  }
})();

void runService(
  'scaip-gateway',
  () => createHttpApp({ module: ScaipGatewayModule.forRoot(config), settings: config }),
  () => config.SHUTDOWN_TIMEOUT_MS,
);
