import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { DEVICE_EVENT_TOPICS, KafkaTopics } from '@welfare/contracts';
import {
  createDatabase,
  dropDatabase,
  repoRoot,
  RunningKafka,
  RunningMosquitto,
  startKafka,
  startMosquittoInstance,
} from '@welfare/infra';
import { ingestorBrokerEnv, registryBrokerEnv } from '../support/broker-access';
import { onboardFleet } from '../support/device-fleet';
import { eventually } from '../support/eventually';
import { RunningService, startRegistry } from '../support/running-services';
import { createTestDatabase } from '../support/test-database';
import { KafkaTap } from '../support/kafka-tap';
import { testInfra, uniqueName } from '../support/test-infra';
import { authEnv } from '../support/tokens';
import { AlarmFleet } from './support/alarm-fleet';
import { AlarmCount, AlarmLedger } from './support/alarm-ledger';
import { cutDatabase } from './support/postgres-outage';
import { ServiceProcess } from './support/service-process';

/**
 * "No alarm lost, none duplicated", measured. Twenty safety alarms raise alarms at a steady
 * rate over a real Mosquitto while each test breaks one part of the chain mid-stream: a service
 * SIGKILLed (also at its narrowest windows, via crash points), Kafka killed, PostgreSQL cut off,
 * the MQTT broker restarted, devices resending and reconnecting all at once, two instances of
 * each service with one dying. Each test ends by counting every alarm in the database.
 *
 * The services run as built (dist/) in processes of their own, with this file's own Kafka and
 * Mosquitto so that those can be killed and restarted without disturbing other test files.
 */
const ALARMS_PER_SECOND = 40;
const DEVICES = 20;
const LOAD_BEFORE_FAULT_MS = 2000;
const LOAD_AFTER_RESTORE_MS = 2000;

describe('no alarm lost, none duplicated, under faults', () => {
  let scratch: string;
  let logDir: string;
  let kafka: RunningKafka;
  let mosquitto: RunningMosquitto;
  let databaseName: string;
  let databaseUrl: string;
  let ingestor: ServiceProcess;
  let registryDatabase: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let responseCentre: ServiceProcess;
  let fleet: AlarmFleet;
  let ledger: AlarmLedger;
  let events: KafkaTap;
  let deadLetters: KafkaTap;

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot(), stdio: 'inherit' });
    scratch = await mkdtemp(join(tmpdir(), 'welfare-faults-'));
    // Service logs stay after the run, for whoever has to find out why a fault test failed.
    logDir = join(repoRoot(), 'test-results', 'faults');
    await rm(logDir, { recursive: true, force: true });
    await mkdir(logDir, { recursive: true });
    [kafka, mosquitto] = await Promise.all([
      startKafka({ dataDir: join(scratch, 'kafka') }),
      startMosquittoInstance({ dataDir: join(scratch, 'mosquitto') }),
    ]);
    databaseName = uniqueName('faults').replace(/-/g, '_');
    databaseUrl = await createDatabase(testInfra().postgresServerUrl, databaseName);
    // The devices are onboarded at a registry on this file's Kafka and Mosquitto: on its
    // registry.devices.v1 for the ingestor, and with accounts at its broker.
    registryDatabase = await createTestDatabase('faults-registry');
    registry = await startRegistry(registryDatabase.url, {
      KAFKA_BROKERS: kafka.brokers,
      ...registryBrokerEnv(mosquitto.url, mosquitto.accounts, registryDatabase.url),
    });
    const deviceIds = Array.from({ length: DEVICES }, (_, i) => `fault-alarm-${i}`);
    const onboarded = (await onboardFleet(registry.url, deviceIds)).devices;
    const common = { KAFKA_BROKERS: kafka.brokers, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '10000' };
    ingestor = new ServiceProcess(
      'ingestor-a',
      'ingestor',
      {
        ...common,
        ...ingestorBrokerEnv(mosquitto.accounts),
        MQTT_URL: mosquitto.url,
        MQTT_CLIENT_ID: 'fault-ingestor-a',
        KAFKA_CONSUMER_GROUP: 'fault-ingestor',
      },
      logDir,
    );
    responseCentre = new ServiceProcess(
      'response-centre-a',
      'response-centre',
      {
        ...common,
        DATABASE_URL: databaseUrl,
        DATABASE_RUN_MIGRATIONS: 'true',
        DATABASE_POOL_SIZE: '5',
        KAFKA_CONSUMER_GROUP: 'fault-response-centre',
        ...authEnv(),
      },
      logDir,
    );
    await responseCentre.start();
    await ingestor.start();
    [events, deadLetters] = await Promise.all([
      KafkaTap.open(DEVICE_EVENT_TOPICS, kafka.brokers),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter, kafka.brokers),
    ]);
    fleet = await AlarmFleet.connect(mosquitto.url, onboarded);
    ledger = new AlarmLedger(databaseUrl);
  });

  afterAll(async () => {
    await fleet?.close();
    await Promise.allSettled([events?.close(), deadLetters?.close()]);
    await Promise.allSettled([ingestor?.stop(), responseCentre?.stop()]);
    await registry?.close();
    await registryDatabase?.drop();
    await Promise.allSettled([kafka?.stop(), mosquitto?.stop()]);
    await dropDatabase(testInfra().postgresServerUrl, databaseName).catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** Alarms flow; `fault` breaks something and repairs it, returning when the repair began. */
  async function underLoad(run: string, fault: () => Promise<number>): Promise<AlarmCount> {
    fleet.start(run, ALARMS_PER_SECOND);
    await sleep(LOAD_BEFORE_FAULT_MS);
    const restoredAt = await fault();
    await sleep(LOAD_AFTER_RESTORE_MS);
    fleet.stop();
    await fleet.drained();
    const count = await ledger.waitForAll(run, fleet.sentIn(run), restoredAt);
    const deadLettered = deadLetters.records.filter((record) => record.raw.includes(`${run}-`)).length;
    process.stdout.write(
      `[fault] ${run}: sent ${count.sent}, stored ${count.stored}, lost ${count.lost.length}, duplicate alarms ${count.duplicateAlarms}, ` +
        `duplicate log steps ${count.duplicateLogSteps}, dead-lettered ${deadLettered}, redeliveries absorbed ${redeliveries(run)}, ` +
        `recovered ${count.recoverySeconds.toFixed(1)} s after repair, worst alarm delay ${count.worstDelaySeconds.toFixed(1)} s ` +
        `(${count.slowest?.eventId}: ${count.slowest?.secondsToPuback.toFixed(1)} s of it before the broker's PUBACK)\n`,
    );
    expect(count.lost).toEqual([]);
    expect(count.duplicateAlarms).toBe(0);
    expect(count.duplicateLogSteps).toBe(0);
    expect(count.unexpected).toBe(0);
    expect(deadLettered).toBe(0);
    expect(fleet.failedPublishes).toEqual([]);
    expect(count.sent).toBeGreaterThan(
      ALARMS_PER_SECOND * ((LOAD_BEFORE_FAULT_MS + LOAD_AFTER_RESTORE_MS) / 1000) * 0.8,
    );
    return count;
  }

  /** Events of `run` that are on Kafka more than once (the tap itself may read a record twice after a broker failure). */
  const redeliveries = (run: string) => {
    const records = new Map(events.records.map((record) => [`${record.partition}/${record.offset}`, record]));
    const ids = [...records.values()]
      .map((record) => (record.value.event as { id?: string } | undefined)?.id)
      .filter((id) => id?.startsWith(`${run}-`));
    return ids.length - new Set(ids).size;
  };

  /** SIGKILL, 1.5 s down, start again with the same settings; returns when the restart began. */
  async function killAndRestart(service: ServiceProcess): Promise<number> {
    await service.kill();
    await sleep(1500);
    const restoredAt = Date.now();
    await service.start();
    return restoredAt;
  }

  /**
   * Stops `service`; `run` then starts it with CRASH_POINT=`point`, waits for it to die there
   * and starts it plainly again; `exit` tells how the crashed process ended.
   */
  async function crashPoint(
    service: ServiceProcess,
    point: string,
  ): Promise<{ run(): Promise<number>; exit(): ServiceProcess['lastExit'] }> {
    await service.stop();
    let crashed: ServiceProcess['lastExit'] = null;
    return {
      async run() {
        // A backlog queued while it was stopped may reach the crash point before it is ready.
        await service.start({ CRASH_POINT: point }, { waitUntilReady: false });
        await service.waitForExit();
        crashed = service.lastExit;
        const restoredAt = Date.now();
        await service.start();
        return restoredAt;
      },
      exit: () => crashed,
    };
  }

  it('loses nothing when the ingestor is SIGKILLed mid-stream and restarted', async () => {
    await underLoad('ingestor-kill', () => killAndRestart(ingestor));
  });

  it('stores an event once when the ingestor dies after Kafka has it but before the PUBACK', async () => {
    const crash = await crashPoint(ingestor, 'ingest.after-kafka-ack:40');
    await underLoad('ingestor-after-ack', crash.run);
    expect(crash.exit()).toEqual({ code: null, signal: 'SIGKILL' });
    // The broker sent the unacknowledged event again, so Kafka has it twice: intake absorbed it.
    expect(redeliveries('ingestor-after-ack')).toBeGreaterThanOrEqual(1);
  });

  it('loses nothing when the response centre is SIGKILLed mid-stream and restarted', async () => {
    await underLoad('centre-kill', () => killAndRestart(responseCentre));
  });

  it('stores an alarm once when the response centre dies between its database commit and its offset commit', async () => {
    const crash = await crashPoint(responseCentre, 'intake.after-commit:40');
    await underLoad('centre-after-commit', crash.run);
    // The first process died by its own hand at the crash point, after the 40th commit ...
    expect(crash.exit()).toEqual({ code: null, signal: 'SIGKILL' });
    // ... and its successor was handed that record again, which changed nothing.
    expect(await responseCentre.metric('device_events_stored_total', 'outcome="duplicate"')).toBeGreaterThanOrEqual(1);
  });

  it('loses nothing when the response centre is frozen past its Kafka session and thawed', async () => {
    await underLoad('centre-frozen', async () => {
      responseCentre.freeze();
      await sleep(12_000); // past KAFKA_SESSION_TIMEOUT_MS (10 s): the group drops it
      const restoredAt = Date.now();
      responseCentre.thaw();
      return restoredAt;
    });
    await expectReady(responseCentre);
  });

  it('loses nothing when the Kafka broker is killed and comes back', async () => {
    await underLoad('kafka-kill', async () => {
      await kafka.kill('SIGKILL');
      await sleep(3000);
      const restoredAt = Date.now();
      kafka = await startKafka({ dataDir: kafka.dataDir, port: kafka.port, controllerPort: kafka.controllerPort });
      return restoredAt;
    });
    await expectReady(ingestor, responseCentre);
  });

  it('loses nothing when PostgreSQL cuts every connection and refuses new ones for five seconds', async () => {
    await underLoad('postgres-outage', async () => {
      const outage = await cutDatabase(testInfra().postgresServerUrl, databaseName);
      await sleep(5000);
      const restoredAt = Date.now();
      await outage.restore();
      return restoredAt;
    });
    await expectReady(responseCentre);
  });

  it('loses nothing when the MQTT broker restarts', async () => {
    await underLoad('mqtt-restart', async () => {
      await mosquitto.stop();
      await sleep(1500);
      const restoredAt = Date.now();
      mosquitto = await startMosquittoInstance({
        dataDir: mosquitto.dataDir,
        port: mosquitto.port,
        accounts: mosquitto.accounts,
      });
      return restoredAt;
    });
    await expectReady(ingestor);
  });

  it('opens one alarm per event when devices resend and reconnect all at once', async () => {
    await underLoad('resend', async () => {
      await fleet.resend(fleet.sentIn('resend').slice(0, 30));
      fleet.reconnectStorm();
      await sleep(500);
      await fleet.resend(fleet.sentIn('resend').slice(0, 30));
      return Date.now();
    });
    expect(redeliveries('resend')).toBeGreaterThanOrEqual(60);
  });

  it('loses nothing with two instances of each service while one of each is killed', async () => {
    const shared = { MQTT_SHARED_GROUP: 'fault-ingestors' };
    const ingestors = ['s1', 's2'].map(
      (id) =>
        new ServiceProcess(
          `ingestor-${id}`,
          'ingestor',
          { ...ingestorEnv(), ...shared, MQTT_CLIENT_ID: `fault-ingestor-${id}` },
          logDir,
        ),
    );
    const secondCentre = new ServiceProcess('response-centre-b', 'response-centre', centreEnv(), logDir);
    await Promise.all([...ingestors.map((service) => service.start()), secondCentre.start()]);
    // The single ingestor hands over to the shared pair; its persistent session is cleared.
    await ingestor.stop();
    const { MQTT_USERNAME: username, MQTT_PASSWORD: password } = ingestorBrokerEnv(mosquitto.accounts);
    await (
      await connectAsync(mosquitto.url, { clientId: 'fault-ingestor-a', clean: true, username, password })
    ).endAsync();
    try {
      await underLoad('two-instances', async () => {
        await Promise.all([ingestors[0].kill(), responseCentre.kill()]);
        await sleep(3000);
        const restoredAt = Date.now();
        await Promise.all([ingestors[0].start(), responseCentre.start()]);
        return restoredAt;
      });
    } finally {
      await Promise.all([...ingestors.map((service) => service.stop()), secondCentre.stop()]);
    }
  });

  function ingestorEnv(): Record<string, string> {
    return {
      KAFKA_BROKERS: kafka.brokers,
      LOG_LEVEL: 'info',
      MQTT_URL: mosquitto.url,
      KAFKA_CONSUMER_GROUP: 'fault-ingestor',
      ...ingestorBrokerEnv(mosquitto.accounts),
    };
  }

  function centreEnv(): Record<string, string> {
    return {
      KAFKA_BROKERS: kafka.brokers,
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '5',
      KAFKA_CONSUMER_GROUP: 'fault-response-centre',
      ...authEnv(),
    };
  }
});

/** Still up (never restarted) and ready again once the failed part is back. */
async function expectReady(...services: ServiceProcess[]): Promise<void> {
  for (const service of services) {
    expect(service.running).toBe(true);
    await eventually(async () => expect((await fetch(`${service.url}/health/ready`)).status).toBe(200), 30_000);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
