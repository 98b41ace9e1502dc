import type { INestApplication } from '@nestjs/common';
import { IngestorConfig } from '../../apps/ingestor/src/ingestor.config';
import { IngestorModule } from '../../apps/ingestor/src/ingestor.module';
import { ResponseCentreConfig } from '../../apps/response-centre/src/response-centre.config';
import { ResponseCentreModule } from '../../apps/response-centre/src/response-centre.module';
import { RegistryConfig } from '../../apps/registry/src/registry.config';
import { RegistryModule } from '../../apps/registry/src/registry.module';
import { HomeCareConfig } from '../../apps/home-care/src/home-care.config';
import { HomeCareModule } from '../../apps/home-care/src/home-care.module';
import { ScaipGatewayConfig } from '../../apps/scaip-gateway/src/scaip-gateway.config';
import { ScaipGatewayModule } from '../../apps/scaip-gateway/src/scaip-gateway.module';
import { type Clock, createHttpApp, loadConfig } from '@welfare/platform';
import { testInfra, uniqueName } from './test-infra';
import { authEnv } from './tokens';
import { ingestorBrokerEnv, registryBrokerEnv } from './broker-access';

export interface RunningService {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

type Env = Record<string, string>;

/** The response centre as it runs in production (HTTP, Kafka consumer, outbox), on the test infrastructure. */
export async function startResponseCentre(
  databaseUrl: string,
  env: Env = {},
  options: { clock?: Clock } = {},
): Promise<RunningService> {
  const config = loadConfig(
    ResponseCentreConfig,
    databaseServiceEnv(databaseUrl, { KAFKA_CONSUMER_GROUP: uniqueName('response-centre'), ...env }),
  );
  return started(
    await createHttpApp({
      module: ResponseCentreModule.forRoot(config, options),
      settings: config,
      openApi: TEST_OPENAPI,
    }),
  );
}

/** The registry as it runs in production (HTTP API, outbox relay to Kafka), on the test infrastructure. */
export async function startRegistry(databaseUrl: string, env: Env = {}): Promise<RunningService> {
  const config = loadConfig(
    RegistryConfig,
    databaseServiceEnv(databaseUrl, { ...registryBrokerEnv(undefined, undefined, databaseUrl), ...env }),
  );
  return started(
    await createHttpApp({ module: RegistryModule.forRoot(config), settings: config, openApi: TEST_OPENAPI }),
  );
}

/**
 * The home-care service as it runs in production (HTTP API and page, Kafka consumer, outbox,
 * expiry sweep, live stream), with a consumer group of its own. The background expiry sweep
 * runs once a minute unless `env` says otherwise: tests expire with expireDue(now).
 */
export async function startHomeCare(databaseUrl: string, env: Env = {}): Promise<RunningService> {
  const config = loadConfig(
    HomeCareConfig,
    databaseServiceEnv(databaseUrl, {
      KAFKA_CONSUMER_GROUP: uniqueName('home-care'),
      DISPATCH_EXPIRY_SWEEP_MS: '60000',
      ...env,
    }),
  );
  return started(
    await createHttpApp({ module: HomeCareModule.forRoot(config), settings: config, openApi: TEST_OPENAPI }),
  );
}

/** Where the SCAIP gateway takes units' SIP and whom it asks for their digest material. */
export interface ScaipGatewaySettings {
  /** UDP and TCP port on 127.0.0.1. */
  sipPort: number;
  registryUrl: string;
  /** The secret the registry was started with (SCAIP_GATEWAY_SECRET), for the units' HA1s. */
  gatewaySecret: string;
  /** Any other setting (TLS, flood limit, voice number); overrides the above. */
  env?: Env;
}

/**
 * The SCAIP gateway as it runs in production (SIP listeners, Kafka producer, registry view), on
 * the test infrastructure. Called again with the same settings, it starts a gateway that takes
 * the same port: a restart.
 */
export async function startScaipGateway(settings: ScaipGatewaySettings): Promise<RunningService> {
  const config = loadConfig(ScaipGatewayConfig, {
    KAFKA_BROKERS: testInfra().kafkaBrokers,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    SIP_HOST: '127.0.0.1',
    SIP_PORT: String(settings.sipPort),
    LOG_LEVEL: 'warn',
    REGISTRY_URL: settings.registryUrl,
    SCAIP_GATEWAY_SECRET: settings.gatewaySecret,
    ...settings.env,
  });
  return started(await createHttpApp({ module: ScaipGatewayModule.forRoot(config), settings: config }));
}

const TEST_OPENAPI = { title: 'test', description: 'test', version: '1' };

/** Settings of a service that owns a database, on the test infrastructure; `env` overrides any. */
function databaseServiceEnv(databaseUrl: string, env: Env): Env {
  return {
    KAFKA_BROKERS: testInfra().kafkaBrokers,
    DATABASE_URL: databaseUrl,
    DATABASE_RUN_MIGRATIONS: 'true',
    DATABASE_POOL_SIZE: '5',
    OUTBOX_POLL_INTERVAL_MS: '200',
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...authEnv(),
    ...env,
  };
}

/** The MQTT ingestor on the test infrastructure, with a client id and consumer group of its own. */
export async function startIngestor(env: Env = {}): Promise<RunningService> {
  const config = ingestorConfig(env);
  return started(await createHttpApp({ module: IngestorModule.forRoot(config), settings: config }));
}

/** Ingestor settings for the test infrastructure; `env` overrides any of them. */
export function ingestorConfig(env: Env = {}): IngestorConfig {
  return loadConfig(IngestorConfig, {
    KAFKA_BROKERS: testInfra().kafkaBrokers,
    KAFKA_CONSUMER_GROUP: uniqueName('ingestor'),
    MQTT_URL: testInfra().mqttUrl,
    MQTT_CLIENT_ID: uniqueName('ingestor'),
    ...ingestorBrokerEnv(),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  });
}

async function started(app: INestApplication): Promise<RunningService> {
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
