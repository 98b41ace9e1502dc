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
import { createDatabase, dropDatabase, ensureMqttBroker, ensurePostgres, freePorts, hasCommand, repoRoot, RunningKafka, startKafka, startMosquittoInstance } from '@welfare/infra';
import { Cleanup } from './cleanup';
import { ServiceProcess, startService } from './service-process';

export interface Infrastructure {
  workDir: string;
  kafka: RunningKafka;
  mqttUrl: string;
  mqttKind: string;
  /** The broker's pid when the benchmark started it (for its memory and CPU). */
  mqttPid: number | null;
  databaseUrl: string;
  /** PGlite serves one backend session: the response centre must use one connection. */
  embeddedDatabase: boolean;
}

export interface Services {
  ingestor: ServiceProcess;
  responseCentre: ServiceProcess;
}

type Log = (message: string) => void;

export interface BrokerChoice {
  /** Use this broker as is. */
  mqttUrl: string | undefined;
  /** Use the machine's broker (as npm start finds it) instead of a private one. */
  sharedBroker: boolean;
}

interface Broker {
  url: string;
  kind: string;
  pid: number | null;
}

export async function startInfrastructure(tag: string, broker: BrokerChoice, keepWorkDir: () => boolean, cleanup: Cleanup, log: Log): Promise<Infrastructure> {
  const workDir = await mkdtemp(join(tmpdir(), `welfare-bench-${tag}-`));
  cleanup.add('remove work dir', async () => {
    if (keepWorkDir()) log(`kept ${workDir} (Kafka data, service logs)`);
    else await rm(workDir, { recursive: true, force: true });
  });
  log('starting Kafka on free ports (fresh data dir)');
  const kafka = await startKafka({ dataDir: join(workDir, 'kafka') });
  cleanup.add('stop Kafka', kafka.stop);
  const postgres = await ensurePostgres({ embeddedDataDir: join(workDir, 'pglite'), log });
  cleanup.add('stop PostgreSQL', postgres.stop);
  const embeddedDatabase = postgres.kind === 'embedded-pglite';
  const databaseUrl = embeddedDatabase ? postgres.url : await freshDatabase(postgres.url, `welfare_bench_${tag}`, cleanup);
  const mqtt = await startBroker(broker, join(workDir, 'mosquitto'), cleanup, log);
  return { workDir, kafka, mqttUrl: mqtt.url, mqttKind: mqtt.kind, mqttPid: mqtt.pid, databaseUrl, embeddedDatabase };
}

async function startBroker(choice: BrokerChoice, dataDir: string, cleanup: Cleanup, log: Log): Promise<Broker> {
  if (choice.mqttUrl) return { url: choice.mqttUrl, kind: 'given with --mqtt-url', pid: null };
  if (!choice.sharedBroker) {
    if (hasCommand('mosquitto')) {
      // Own process group: on Ctrl-C the broker must outlive the services, which stop first.
      const mosquitto = await startMosquittoInstance({ dataDir, detached: true });
      cleanup.add('stop private mosquitto', mosquitto.stop);
      log(`mqtt: private mosquitto on ${mosquitto.url} (the project's settings, as docker/mosquitto.conf)`);
      return { url: mosquitto.url, kind: "private mosquitto, the project's settings", pid: mosquitto.pid };
    }
    log('mqtt: mosquitto is not installed; falling back to the machine broker');
  }
  const shared = await ensureMqttBroker({ log });
  cleanup.add('stop MQTT broker', shared.stop);
  return { url: shared.url, kind: `machine broker, ${shared.kind}`, pid: null };
}

async function freshDatabase(serverUrl: string, name: string, cleanup: Cleanup): Promise<string> {
  const url = await createDatabase(serverUrl, name);
  cleanup.add(`drop database ${name}`, () => dropDatabase(serverUrl, name));
  return url;
}

/** The response centre first: it creates the topics, and two services creating them at once can clash. */
export async function startServices(infra: Infrastructure, tag: string, cleanup: Cleanup, log: Log): Promise<Services> {
  const [centrePort, ingestorPort] = await freePorts(2);
  const common = {
    KAFKA_BROKERS: infra.kafka.brokers,
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SHUTDOWN_TIMEOUT_MS: '15000',
  };
  log('starting response-centre and ingestor from dist/');
  const responseCentre = await startService('response-centre', distEntry('response-centre'), {
    ...common,
    HTTP_PORT: String(centrePort),
    DATABASE_URL: infra.databaseUrl,
    DATABASE_RUN_MIGRATIONS: 'true',
    DATABASE_POOL_SIZE: infra.embeddedDatabase ? '1' : '10',
    KAFKA_CONSUMER_GROUP: `bench-response-centre-${tag}`,
  }, join(infra.workDir, 'response-centre.log'));
  cleanup.add('stop response-centre', responseCentre.stop);

  const mqttClientId = `bench-ingestor-${tag}`;
  // Runs after the ingestor stopped (cleanup goes newest first).
  cleanup.add('forget the ingestor MQTT session', () => forgetMqttSession(infra.mqttUrl, mqttClientId));
  const ingestor = await startService('ingestor', distEntry('ingestor'), {
    ...common,
    HTTP_PORT: String(ingestorPort),
    MQTT_URL: infra.mqttUrl,
    MQTT_CLIENT_ID: mqttClientId,
    KAFKA_CONSUMER_GROUP: `bench-ingestor-${tag}`,
  }, join(infra.workDir, 'ingestor.log'));
  cleanup.add('stop ingestor', ingestor.stop);
  return { ingestor, responseCentre };
}

function distEntry(app: 'ingestor' | 'response-centre'): string {
  const entry = join(repoRoot(), 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  return entry;
}

/**
 * The ingestor keeps a persistent session (clean=false) with a subscription to every device's
 * events; left behind on a shared broker, it would queue messages for nobody. Connecting with
 * the same client id and clean=true discards it (MQTT 3.1.1).
 */
async function forgetMqttSession(mqttUrl: string, clientId: string): Promise<void> {
  const client = await connectAsync(mqttUrl, { clientId, clean: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });
  await client.endAsync();
}
