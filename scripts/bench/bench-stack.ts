/**
 * What the benchmark runs against: a fresh Kafka (temp dir, free ports), a fresh database, an
 * MQTT broker of its own (startMosquittoInstance, the project's settings), and both services from dist/ as child
 * processes. Every start registers its stop with the cleanup.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import {
  BrokerAccounts,
  createDatabase,
  DevIssuerFile,
  dropDatabase,
  ensureMqttBroker,
  ensurePostgres,
  freePorts,
  hasCommand,
  repoRoot,
  RunningKafka,
  startDevTokenIssuer,
  startKafka,
  startMosquittoInstance,
  startPgliteServer,
} from '@welfare/infra';
import { startProfiledPostgres } from './postgres-profile';
import { Cleanup } from './cleanup';
import { ServiceProcess, startService } from './service-process';

/** Shared by the registry and the SCAIP gateway the SCAIP benchmark starts. */
export const BENCH_SCAIP_GATEWAY_SECRET = 'bench-scaip-gateway-secret-0001';

export interface Infrastructure {
  workDir: string;
  kafka: RunningKafka;
  mqttUrl: string;
  mqttKind: string;
  /** The broker's pid when the benchmark started it (for its memory and CPU). */
  mqttPid: number | null;
  /** The private Mosquitto's service accounts; null for a broker that lets anyone in. */
  mqttAccounts: BrokerAccounts | null;
  databaseUrl: string;
  /** The registry's own database: the devices are onboarded there. */
  registryDatabaseUrl: string;
  /** PGlite serves one backend session: the response centre must use one connection. */
  embeddedDatabase: boolean;
}

export interface Services {
  ingestor: ServiceProcess;
  responseCentre: ServiceProcess;
  registry: ServiceProcess;
  registryUrl: string;
  issuer: DevIssuerFile;
}

type Log = (message: string) => void;

export interface InfrastructureChoice {
  /** Use this broker as is. */
  mqttUrl: string | undefined;
  /** Use the machine's broker (as npm start finds it) instead of a private one. */
  sharedBroker: boolean;
  /** A private PostgreSQL with pg_stat_statements instead of the machine's. */
  postgresProfile: boolean;
}

interface Broker {
  url: string;
  kind: string;
  pid: number | null;
  accounts: BrokerAccounts | null;
}

export async function startInfrastructure(
  tag: string,
  choice: InfrastructureChoice,
  keepWorkDir: () => boolean,
  cleanup: Cleanup,
  log: Log,
): Promise<Infrastructure> {
  const workDir = await mkdtemp(join(tmpdir(), `welfare-bench-${tag}-`));
  cleanup.add('remove work dir', async () => {
    if (keepWorkDir()) log(`kept ${workDir} (Kafka data, service logs)`);
    else await rm(workDir, { recursive: true, force: true });
  });
  log('starting Kafka on free ports (fresh data dir)');
  const kafka = await startKafka({ dataDir: join(workDir, 'kafka') });
  cleanup.add('stop Kafka', kafka.stop);
  const profiledUrl = choice.postgresProfile ? await startProfiledPostgres(cleanup, log) : undefined;
  const postgres = await ensurePostgres({ embeddedDataDir: join(workDir, 'pglite'), url: profiledUrl, log });
  cleanup.add('stop PostgreSQL', postgres.stop);
  const embeddedDatabase = postgres.kind === 'embedded-pglite';
  const databaseUrl = embeddedDatabase
    ? postgres.url
    : await freshDatabase(postgres.url, `welfare_bench_${tag}`, cleanup);
  const registryDatabaseUrl = embeddedDatabase
    ? await registryPglite(workDir, cleanup)
    : await freshDatabase(postgres.url, `welfare_bench_registry_${tag}`, cleanup);
  const mqtt = await startBroker(choice, join(workDir, 'mosquitto'), cleanup, log);
  return {
    workDir,
    kafka,
    mqttUrl: mqtt.url,
    mqttKind: mqtt.kind,
    mqttPid: mqtt.pid,
    mqttAccounts: mqtt.accounts,
    databaseUrl,
    registryDatabaseUrl,
    embeddedDatabase,
  };
}

/** One PGlite serves one session: the registry gets its own. */
async function registryPglite(workDir: string, cleanup: Cleanup): Promise<string> {
  const pglite = await startPgliteServer(join(workDir, 'pglite-registry'));
  cleanup.add('stop registry PGlite', pglite.stop);
  return pglite.url;
}

async function startBroker(choice: InfrastructureChoice, dataDir: string, cleanup: Cleanup, log: Log): Promise<Broker> {
  if (choice.mqttUrl) return { url: choice.mqttUrl, kind: 'given with --mqtt-url', pid: null, accounts: null };
  if (!choice.sharedBroker) {
    if (hasCommand('mosquitto')) {
      // Own process group: on Ctrl-C the broker must outlive the services, which stop first.
      const mosquitto = await startMosquittoInstance({ dataDir, detached: true, anyDevicePublisher: true });
      cleanup.add('stop private mosquitto', mosquitto.stop);
      log(`mqtt: private mosquitto on ${mosquitto.url} (the project's settings, as docker/mosquitto.conf)`);
      return {
        url: mosquitto.url,
        kind: "private mosquitto, the project's settings",
        pid: mosquitto.pid,
        accounts: mosquitto.accounts,
      };
    }
    log('mqtt: mosquitto is not installed; falling back to the machine broker');
  }
  const shared = await ensureMqttBroker({ log });
  cleanup.add('stop MQTT broker', shared.stop);
  return { url: shared.url, kind: `machine broker, ${shared.kind}`, pid: null, accounts: shared.accounts };
}

async function freshDatabase(serverUrl: string, name: string, cleanup: Cleanup): Promise<string> {
  const url = await createDatabase(serverUrl, name);
  cleanup.add(`drop database ${name}`, () => dropDatabase(serverUrl, name));
  return url;
}

/** The response centre first: it creates the topics, and two services creating them at once can clash. */
export async function startServices(infra: Infrastructure, tag: string, cleanup: Cleanup, log: Log): Promise<Services> {
  const [centrePort, ingestorPort, registryPort] = await freePorts(3);
  const common = {
    KAFKA_BROKERS: infra.kafka.brokers,
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SHUTDOWN_TIMEOUT_MS: '15000',
  };
  // The response centre's API needs an issuer to trust; the benchmark calls no API, but the setting is required.
  const issuer = await startDevTokenIssuer({ keyDir: join(infra.workDir, 'dev-issuer') });
  cleanup.add('stop dev token issuer', issuer.stop);
  log('starting response-centre, registry and ingestor from dist/');
  const responseCentre = await startService(
    'response-centre',
    distEntry('response-centre'),
    {
      ...common,
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl,
      HTTP_PORT: String(centrePort),
      DATABASE_URL: infra.databaseUrl,
      DATABASE_RUN_MIGRATIONS: 'true',
      DATABASE_POOL_SIZE: infra.embeddedDatabase ? '1' : '10',
      KAFKA_CONSUMER_GROUP: `bench-response-centre-${tag}`,
    },
    join(infra.workDir, 'response-centre.log'),
  );
  cleanup.add('stop response-centre', responseCentre.stop);

  const accounts = infra.mqttAccounts;
  const registry = await startService(
    'registry',
    distEntry('registry'),
    {
      ...common,
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl,
      HTTP_PORT: String(registryPort),
      DATABASE_URL: infra.registryDatabaseUrl,
      DATABASE_RUN_MIGRATIONS: 'true',
      DATABASE_POOL_SIZE: infra.embeddedDatabase ? '1' : '5',
      // The SCAIP benchmark's gateway asks the registry for its units' digest HA1 with it.
      SCAIP_GATEWAY_SECRET: BENCH_SCAIP_GATEWAY_SECRET,
      ...(accounts
        ? {
            BROKER_ACCESS: 'mosquitto-dynsec',
            BROKER_ADMIN_URL: infra.mqttUrl,
            BROKER_ADMIN_USERNAME: accounts.admin.username,
            BROKER_ADMIN_PASSWORD: accounts.admin.password,
          }
        : { BROKER_ACCESS: 'none' }),
    },
    join(infra.workDir, 'registry.log'),
  );
  cleanup.add('stop registry', registry.stop);

  const mqttClientId = `bench-ingestor-${tag}`;
  // Runs after the ingestor stopped (cleanup goes newest first).
  const login: Record<string, string> = accounts
    ? { MQTT_USERNAME: accounts.ingestor.username, MQTT_PASSWORD: accounts.ingestor.password }
    : {};
  cleanup.add('forget the ingestor MQTT session', () =>
    forgetMqttSession(infra.mqttUrl, mqttClientId, accounts?.ingestor),
  );
  const ingestor = await startService(
    'ingestor',
    distEntry('ingestor'),
    {
      ...common,
      HTTP_PORT: String(ingestorPort),
      MQTT_URL: infra.mqttUrl,
      MQTT_CLIENT_ID: mqttClientId,
      ...login,
      KAFKA_CONSUMER_GROUP: `bench-ingestor-${tag}`,
    },
    join(infra.workDir, 'ingestor.log'),
  );
  cleanup.add('stop ingestor', ingestor.stop);
  return { ingestor, responseCentre, registry, registryUrl: `http://127.0.0.1:${registryPort}`, issuer };
}

export function distEntry(app: 'ingestor' | 'response-centre' | 'registry' | 'scaip-gateway'): string {
  const entry = join(repoRoot(), 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  return entry;
}

/**
 * The ingestor keeps a persistent session (clean=false) with a subscription to every device's
 * events; left behind on a shared broker, it would queue messages for nobody. Connecting with
 * the same client id and clean=true discards it (MQTT 3.1.1).
 */
async function forgetMqttSession(
  mqttUrl: string,
  clientId: string,
  login?: { username: string; password: string },
): Promise<void> {
  const client = await connectAsync(mqttUrl, {
    clientId,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...login,
  });
  await client.endAsync();
}
