/**
 * `npm start`: the whole system on one machine. Uses KAFKA_BROKERS, DATABASE_URL and MQTT_URL
 * when they are set; otherwise starts a single-node Kafka (jars from Maven Central), uses the
 * local PostgreSQL (or embedded PGlite) and the local MQTT broker (or embedded aedes). Then runs
 * the services (response centre, ingestor, registry, home care, SCAIP gateway) as child processes, restarts one that dies, and stops everything on Ctrl-C.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { seedFirstTenants } from './seed-first-tenants';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import {
  DEV_PASSWORD,
  ensureDatabase,
  ensurePostgres,
  freePort,
  isPortFree,
  repoRoot,
  RunningMqtt,
  RunningPostgres,
  RunningDevOidcProvider,
  seededPeople,
  startDevOidcProvider,
  startKafka,
  startOwnMqttBroker,
  startPgliteServer,
} from '@welfare/infra';

interface Infra {
  kafkaBrokers: string;
  databaseUrl: string;
  /** The registry's own database (its own PGlite when embedded: one PGlite serves one session). */
  registryDatabaseUrl: string;
  /** The home-care service's own database (likewise). */
  homeCareDatabaseUrl: string;
  embeddedDatabase: boolean;
  mqttUrl: string;
  /** The settings that let the ingestor in and make the registry keep the broker's device accounts. */
  brokerEnv: { ingestor: Record<string, string>; registry: Record<string, string> };
  /** Who signs people in: the embedded provider unless AUTH_ISSUER points at a real one. */
  auth: { issuer: string; audience: string; jwksUrl: string };
  /** The embedded provider (null with a real one), and each page's client at it. */
  provider: RunningDevOidcProvider | null;
  pageClients: Record<string, { AUTH_CLIENT_ID: string; AUTH_CLIENT_SECRET: string; PUBLIC_URL: string }>;
  stops: (() => Promise<void>)[];
}

interface Service {
  name: string;
  entry: string;
  port: number;
  child: ChildProcess | null;
  restarts: number;
  /** The service's database when it is not the response centre's. */
  databaseUrl?: string;
  /** Settings of this service alone. */
  env?: NodeJS.ProcessEnv;
}

const log = (message: string) => process.stdout.write(`[stack] ${message}\n`);
const RESPONSE_CENTRE_PORT = Number(process.env.RESPONSE_CENTRE_PORT ?? 3000);
const REGISTRY_PORT = Number(process.env.REGISTRY_PORT ?? 3002);
const HOME_CARE_PORT = Number(process.env.HOME_CARE_PORT ?? 3003);
let stopping = false;

async function startInfra(dataDir: string): Promise<Infra> {
  const stops: Infra['stops'] = [];
  const kafkaBrokers = process.env.KAFKA_BROKERS ?? (await startLocalKafka(dataDir, stops));
  const postgres = process.env.DATABASE_URL
    ? null
    : await ensurePostgres({ embeddedDataDir: join(dataDir, 'pglite'), log });
  if (postgres) stops.push(postgres.stop);
  const databaseUrl = process.env.DATABASE_URL ?? (await ensureDatabase(postgres!.url, 'welfare_alarms'));
  const registryDatabaseUrl = await ownDatabase(postgres, dataDir, stops, {
    env: 'REGISTRY_DATABASE_URL',
    name: 'welfare_registry',
    pglite: 'pglite-registry',
  });
  const homeCareDatabaseUrl = await ownDatabase(postgres, dataDir, stops, {
    env: 'HOME_CARE_DATABASE_URL',
    name: 'welfare_home_care',
    pglite: 'pglite-home-care',
  });
  // Only the embedded aedes asks the registry (hooks); the secret proves the asker is our broker.
  const hookSecret = randomBytes(24).toString('base64url');
  const mqtt = process.env.MQTT_URL
    ? null
    : await startOwnMqttBroker({
        dataDir: join(dataDir, 'mosquitto'),
        port: 1883,
        log,
        registry: { url: `http://127.0.0.1:${REGISTRY_PORT}`, hookSecret },
      });
  if (mqtt) stops.push(mqtt.stop);
  const { auth, provider, pageClients } = await identityProvider(dataDir, stops);
  const mqttUrl = process.env.MQTT_URL ?? mqtt!.url;
  return {
    kafkaBrokers,
    databaseUrl,
    registryDatabaseUrl,
    homeCareDatabaseUrl,
    embeddedDatabase: postgres?.kind === 'embedded-pglite',
    mqttUrl,
    brokerEnv: brokerEnv(mqtt, mqttUrl, hookSecret),
    auth,
    provider,
    pageClients,
    stops,
  };
}

/**
 * Our own broker: fresh service passwords every start, handed to the services here. A broker of
 * your own (MQTT_URL): its accounts and BROKER_ACCESS come from your environment.
 */
function brokerEnv(mqtt: RunningMqtt | null, mqttUrl: string, hookSecret: string): Infra['brokerEnv'] {
  if (!mqtt?.accounts) return { ingestor: {}, registry: { BROKER_ACCESS: process.env.BROKER_ACCESS ?? 'none' } };
  const ingestor = { MQTT_USERNAME: mqtt.accounts.ingestor.username, MQTT_PASSWORD: mqtt.accounts.ingestor.password };
  if (mqtt.access === 'http-hooks')
    return { ingestor, registry: { BROKER_ACCESS: 'http-hooks', BROKER_HOOK_SECRET: hookSecret } };
  const { username, password } = mqtt.accounts.admin;
  return {
    ingestor,
    registry: {
      BROKER_ACCESS: 'mosquitto-dynsec',
      BROKER_ADMIN_URL: mqttUrl,
      BROKER_ADMIN_USERNAME: username,
      BROKER_ADMIN_PASSWORD: password,
    },
  };
}

/**
 * A real provider when AUTH_ISSUER and AUTH_JWKS_URL are set (the pages sign in there when
 * CONSOLE_/PHONE_ client settings are given too); else the embedded OpenID provider, with a
 * client for each page (secrets new every start) and, once the registry is up, seeded people.
 */
async function identityProvider(
  dataDir: string,
  stops: Infra['stops'],
): Promise<Pick<Infra, 'auth' | 'provider' | 'pageClients'>> {
  const { AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL } = process.env;
  if (AUTH_ISSUER && AUTH_JWKS_URL)
    return {
      auth: { issuer: AUTH_ISSUER, audience: AUTH_AUDIENCE ?? 'welfare-alarm-backbone', jwksUrl: AUTH_JWKS_URL },
      provider: null,
      pageClients: {},
    };
  const pages = {
    'response-centre': { clientId: 'console', publicUrl: `http://127.0.0.1:${RESPONSE_CENTRE_PORT}` },
    'home-care': { clientId: 'phone-page', publicUrl: `http://127.0.0.1:${HOME_CARE_PORT}` },
    registry: { clientId: 'admin-pages', publicUrl: `http://127.0.0.1:${REGISTRY_PORT}` },
  };
  const clients = Object.values(pages).map((page) => ({
    ...page,
    clientSecret: randomBytes(24).toString('base64url'),
  }));
  const port = Number(process.env.DEV_ISSUER_PORT ?? 3009);
  const provider = await startDevOidcProvider({
    keyDir: join(dataDir, 'dev-issuer'),
    port: (await isPortFree(port)) ? port : 0,
    clients,
  });
  stops.push(provider.stop);
  const pageClients = Object.fromEntries(
    Object.keys(pages).map((service, k) => [
      service,
      {
        AUTH_CLIENT_ID: clients[k].clientId,
        AUTH_CLIENT_SECRET: clients[k].clientSecret,
        PUBLIC_URL: clients[k].publicUrl,
      },
    ]),
  );
  return { auth: provider, provider, pageClients };
}

/** A service's own database: from `env` if set, else `name` on the same server, else a PGlite of its own. */
async function ownDatabase(
  postgres: RunningPostgres | null,
  dataDir: string,
  stops: Infra['stops'],
  own: { env: string; name: string; pglite: string },
): Promise<string> {
  if (process.env[own.env]) return process.env[own.env]!;
  if (!postgres) throw new Error(`DATABASE_URL is set: set ${own.env} (the service's own database) too`);
  if (postgres.kind !== 'embedded-pglite') return ensureDatabase(postgres.url, own.name);
  const pglite = await startPgliteServer(join(dataDir, own.pglite));
  stops.push(pglite.stop);
  return pglite.url;
}

async function startLocalKafka(dataDir: string, stops: Infra['stops']): Promise<string> {
  log('kafka: starting a single-node broker (the first run downloads it from Maven Central)');
  const started = Date.now();
  const port = (await isPortFree(9092)) ? 9092 : undefined;
  const kafka = await startKafka({ dataDir: join(dataDir, 'kafka'), port });
  stops.push(kafka.stop);
  log(`kafka: ready on ${kafka.brokers} in ${((Date.now() - started) / 1000).toFixed(1)} s (log: ${kafka.logFile})`);
  return kafka.brokers;
}

function serviceEnv(infra: Infra, service: Service): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...(service.name === 'ingestor' ? infra.brokerEnv.ingestor : {}),
    ...(service.name === 'registry' ? infra.brokerEnv.registry : {}),
    ...(infra.pageClients[service.name] ?? {}),
    ...service.env,
    KAFKA_BROKERS: infra.kafkaBrokers,
    DATABASE_URL: service.databaseUrl ?? infra.databaseUrl,
    MQTT_URL: infra.mqttUrl,
    AUTH_ISSUER: infra.auth.issuer,
    AUTH_AUDIENCE: infra.auth.audience,
    AUTH_JWKS_URL: infra.auth.jwksUrl,
    HTTP_PORT: String(service.port),
    DATABASE_RUN_MIGRATIONS: process.env.DATABASE_RUN_MIGRATIONS ?? 'true',
    // PGlite serves every connection from one backend session, so concurrent connections
    // interleave their statements; one connection keeps them apart (nothing in the services
    // waits for a second connection inside a transaction).
    DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? (infra.embeddedDatabase ? '1' : '10'),
    LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    // Quiet by default: the banner says where things are; the services speak up for warnings and errors.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...service.env,
  };
}

/**
 * Web Push for the phone page: a VAPID key pair made once and kept in the data folder, so phones
 * that subscribed stay subscribed across restarts. Keys set in the environment win.
 */
function pushEnv(dataDir: string): NodeJS.ProcessEnv {
  if (process.env.PUSH_VAPID_PUBLIC_KEY) return {};
  const file = join(dataDir, 'vapid-keys.json');
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(webpush.generateVAPIDKeys()), { mode: 0o600 });
  const keys = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string; privateKey: string };
  return { PUSH_VAPID_PUBLIC_KEY: keys.publicKey, PUSH_VAPID_PRIVATE_KEY: keys.privateKey };
}

function run(infra: Infra, service: Service): void {
  const child = spawn(process.execPath, [service.entry], { env: serviceEnv(infra, service), stdio: 'inherit' });
  service.child = child;
  child.once('exit', (code, signal) => {
    service.child = null;
    if (stopping) return;
    service.restarts++;
    const delay = Math.min(1000 * 2 ** Math.min(service.restarts, 5), 30_000);
    log(`${service.name} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`);
    setTimeout(() => run(infra, service), delay);
  });
}

async function waitUntilReady(service: Service, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${service.port}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${service.name} not ready after ${timeoutMs / 1000} s`);
}

async function stopAll(services: Service[], infra: Infra): Promise<void> {
  stopping = true;
  log('stopping services (they finish in-flight work and commit first)');
  await Promise.all(services.map((service) => stopChild(service.child)));
  for (const stop of infra.stops.reverse())
    await stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
  log('stopped');
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const root = repoRoot();
  const dataDir = process.env.WELFARE_DATA_DIR ?? join(root, '.data');
  mkdirSync(dataDir, { recursive: true });
  const infra = await startInfra(dataDir);
  // `npm run simulate` finds the broker here when the stack had to take another port.
  writeFileSync(join(dataDir, 'mqtt-url'), infra.mqttUrl);
  // The SCAIP gateway asks the registry for units' digest HA1 with a secret new on every start.
  const scaipGatewaySecret = randomBytes(24).toString('base64url');
  const sipPort = Number(process.env.SIP_PORT ?? ((await isPortFree(5060)) ? 5060 : await freePort()));
  const services: Service[] = [
    {
      name: 'response-centre',
      entry: join(root, 'dist/apps/response-centre/src/main.js'),
      port: RESPONSE_CENTRE_PORT,
      child: null,
      restarts: 0,
    },
    {
      name: 'ingestor',
      entry: join(root, 'dist/apps/ingestor/src/main.js'),
      port: Number(process.env.INGESTOR_PORT ?? 3001),
      child: null,
      restarts: 0,
    },
    {
      name: 'registry',
      entry: join(root, 'dist/apps/registry/src/main.js'),
      port: REGISTRY_PORT,
      child: null,
      restarts: 0,
      databaseUrl: infra.registryDatabaseUrl,
      env: { SCAIP_GATEWAY_SECRET: scaipGatewaySecret },
    },
    {
      name: 'home-care',
      entry: join(root, 'dist/apps/home-care/src/main.js'),
      port: HOME_CARE_PORT,
      child: null,
      restarts: 0,
      databaseUrl: infra.homeCareDatabaseUrl,
      env: pushEnv(dataDir),
    },
    {
      name: 'scaip-gateway',
      entry: join(root, 'dist/apps/scaip-gateway/src/main.js'),
      port: Number(process.env.SCAIP_GATEWAY_PORT ?? 3004),
      child: null,
      restarts: 0,
      env: {
        SIP_PORT: String(sipPort),
        REGISTRY_URL: `http://127.0.0.1:${REGISTRY_PORT}`,
        SCAIP_GATEWAY_SECRET: scaipGatewaySecret,
      },
    },
  ];
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll(services, infra).then(() => process.exit(0)));
  }
  for (const service of services) run(infra, service);
  await Promise.all(services.map((service) => waitUntilReady(service)));
  if (infra.provider) {
    const tenants = await seedFirstTenants(`http://127.0.0.1:${REGISTRY_PORT}`, infra.provider);
    infra.provider.setPeople(seededPeople(tenants));
  }
  printWelcome(infra, services);
}

function printWelcome(infra: Infra, [centre, ingestor, registry, homeCare, scaip]: Service[]): void {
  log('');
  log('The alarm backbone is running.');
  log(`  Operator console      http://127.0.0.1:${centre.port}/console`);
  log(`  Response-centre API   http://127.0.0.1:${centre.port}/api/alarms`);
  log(`  API documentation     http://127.0.0.1:${centre.port}/api/docs  (OpenAPI: /api/openapi.json)`);
  log(
    `  Registry API          http://127.0.0.1:${registry.port}/api/docs  (municipalities, residents, devices, CSV import)`,
  );
  log(`  Home-care phone page  http://127.0.0.1:${homeCare.port}/  (API: http://127.0.0.1:${homeCare.port}/api/docs)`);
  log(
    `  Municipality admin    http://127.0.0.1:${registry.port}/admin  (residents, devices, safe zones, CSV import${infra.provider ? `; sign in as admin (Mari Kommuneadmin), password ${DEV_PASSWORD}` : ''})`,
  );
  if (infra.provider)
    log(
      `  Sign in               at ${infra.provider.issuer}: operator, supervisor, nurse or admin, password ${DEV_PASSWORD} (first centre: Midt-Norge responssenter)`,
    );
  log(
    `  Health and metrics    http://127.0.0.1:${centre.port}/health/ready, /metrics (ingestor on :${ingestor.port}, registry on :${registry.port}, home care on :${homeCare.port})`,
  );
  log(
    `  Kafka ${infra.kafkaBrokers}   MQTT ${infra.mqttUrl}   PostgreSQL ${infra.databaseUrl}${infra.embeddedDatabase ? ' (embedded PGlite)' : ''}`,
  );
  log(
    `  SCAIP alarm units     sip:127.0.0.1:${scaip.env?.SIP_PORT} over UDP and TCP (SIP MESSAGE, application/scaip+xml; digest user = cid, password = the secret from onboarding; gateway health :${scaip.port})`,
  );
  log('');
  log(
    'Devices sign in with the secret the registry gives them at onboarding: the admin page shows it once (see the README: the first device).',
  );
  log('Then press the alarm button of a simulated device, in another terminal:');
  log(`  npm run simulate -- --device DEVICE_ID --password SECRET --type alarm.button --mqtt-url ${infra.mqttUrl}`);
  log('Every API call but health and metrics needs a bearer token; a dev token of an operator of centre CENTRE_ID:');
  log(
    `  curl -H "authorization: Bearer $(npm run -s token -- --role operator --centre CENTRE_ID)" http://127.0.0.1:${centre.port}/api/alarms`,
  );
  log('The services log warnings and errors only (LOG_LEVEL=info npm start shows more). Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  process.stderr.write(`[stack] failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
