import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { DEVICE_EVENT_TOPICS, KafkaTopics } from '@welfare/contracts';
import {
  createDatabase,
  dropDatabase,
  repoRoot,
  nodeOfMajor,
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
import { authEnv, operatorToken } from '../support/tokens';
import { AlarmFleet, SentAlarm } from './support/alarm-fleet';
import { AlarmCount, AlarmLedger, pressKey } from './support/alarm-ledger';
import { Operator } from './support/operator';
import { cutDatabase } from './support/postgres-outage';
import { ServiceProcess } from './support/service-process';

/**
 * "No alarm lost, none duplicated", measured. Forty safety alarms, each in the home of a resident
 * of its own, raise alarms at a steady rate over a real Mosquitto while each test breaks one part
 * of the chain mid-stream: a service SIGKILLed (also at its narrowest windows, via crash points,
 * and during a telemetry flood), Kafka killed, PostgreSQL cut off, the MQTT broker restarted and
 * killed, devices resending and reconnecting all at once, two instances of each service with one
 * dying. Each test ends by counting, for every press, its event, its alarm and its handling-log
 * step in the database, and the `alarm.received` its device got back.
 *
 * Every scenario opens new alarms across its fault. An operator resolves every alarm before each
 * scenario, so each resident's first press of a type opens an alarm and their later presses of
 * that type attach to it as repeats (care alarms correlate per resident and type). Presses are
 * `alarm.button` until half a second before the fault begins and `fall.detected` from then on:
 * each scenario opens exactly one alarm per device and type, 80 in all, and the 40 fall alarms
 * are opened by presses in flight as the fault strikes or raised while it is on.
 *
 * The services run as built (dist/) in processes of their own, with this file's own Kafka and
 * Mosquitto so that those can be killed and restarted without disturbing other test files.
 */
const ALARMS_PER_SECOND = 40;
const DEVICES = 40;
const LOAD_BEFORE_FAULT_MS = 2000;
/** Presses switch from `alarm.button` to `fall.detected` this long before the fault begins. */
const SWITCH_BEFORE_FAULT_MS = 500;
const LOAD_AFTER_RESTORE_MS = 2000;
/** Heartbeats and positions a second across the fleet in the overload scenario. */
const FLOOD_PER_SECOND = 1500;
/**
 * Longer than a scenario's waits for a backlog (90 s) and for confirmations (60 s) together, so
 * a lost press fails on its assertion, naming it, rather than on the test's timeout (a timed-out
 * test keeps running under the next one).
 */
const SCENARIO_TIMEOUT_MS = 300_000;

interface ScenarioOptions {
  /** Telemetry events a second, on top of the presses, from the start of the load until stopped (at the latest with the presses). */
  telemetryPerSecond?: number;
  /** How long the backlog may take to be stored after the load stops. */
  timeoutMs?: number;
  /**
   * Devices send a press again (same event id) when no `alarm.received` came for it this long
   * after the load stopped, as a safety alarm does until the centre confirms. Off by default:
   * everywhere else the backbone alone must deliver every press.
   */
  resendUnconfirmedAfterMs?: number;
  /** Telemetry the fault may lose (a broker killed without saving), counted and shown, not asserted. */
  telemetryLossAllowed?: boolean;
}

interface ScenarioResult {
  count: AlarmCount;
  /** Presses whose device got `alarm.received` naming them, and the alarm their event was stored on. */
  confirmed: number;
  /** Presses confirmed more than once (a redelivered event re-sends `alarm.received`, by design). */
  confirmedTwice: string[];
}

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
  let operator: Operator;
  /** One line per scenario: what it opened, lost, duplicated and confirmed. */
  const summary: string[] = [];

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
    const fleetRecord = await onboardFleet(registry.url, deviceIds, 'safety_alarm', { residentPerDevice: true });
    const onboarded = fleetRecord.devices;
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
      // Both lanes of device events: alarms and telemetry may travel in topics of their own.
      KafkaTap.open(DEVICE_EVENT_TOPICS, kafka.brokers),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter, kafka.brokers),
    ]);
    fleet = await AlarmFleet.connect(mosquitto.url, onboarded);
    ledger = new AlarmLedger(
      databaseUrl,
      new Map(onboarded.map((device) => [device.deviceId, device.residentId ?? ''])),
    );
    operator = new Operator(() => responseCentre.url, await operatorToken(fleetRecord.centreId));
    expect(new Set(onboarded.map((device) => device.residentId)).size).toBe(DEVICES);
    // Alarms are stamped with the resident (and correlate by them) from the centre's view of the registry.
    await eventually(async () => expect(await ledger.devicesKnown()).toBe(DEVICES), 60_000, 250);
  }, 300_000); // a build, Kafka and forty onboardings: minutes on a busy two-core box

  afterAll(async () => {
    if (summary.length > 0) {
      const table = [
        'scenario             | presses | alarms opened (expected, raised in fault) | lost | duplicated alarms | duplicated log steps | alarm.received confirmed | telemetry sent/lost | resent by devices    | recovered after repair',
        ...summary,
      ].join('\n');
      await writeFile(join(logDir, 'summary.txt'), `${table}\n`);
      process.stdout.write(`\n[fault] summary (${join(logDir, 'summary.txt')}):\n${table}\n`);
    }
    await fleet?.close();
    await Promise.allSettled([events?.close(), deadLetters?.close()]);
    await Promise.allSettled([ingestor?.stop(), responseCentre?.stop()]);
    await registry?.close();
    await registryDatabase?.drop();
    await Promise.allSettled([kafka?.stop(), mosquitto?.stop()]);
    await dropDatabase(testInfra().postgresServerUrl, databaseName).catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /**
   * Before each scenario (and before a crash-point scenario stops a service to arm it) an
   * operator resolves every alarm, so the scenario's presses open alarms of their own. A service
   * an earlier scenario left down is started again, so one failure does not take the rest along.
   */
  beforeEach(async () => {
    if (!responseCentre.running) await responseCentre.start();
    if (!ingestor.running) await ingestor.start();
    await operator.resolveAll();
    expect(await ledger.unresolved()).toBe(0);
  }, 180_000);

  /**
   * Alarms flow; `fault` breaks something and repairs it, returning when the repair began. Every
   * alarm was resolved (beforeEach), so the run's presses open alarms of their own; then every press is
   * counted: stored once, on the alarm production's correlation gives it, logged once, confirmed
   * to its device.
   */
  async function underLoad(
    run: string,
    fault: () => Promise<number>,
    {
      telemetryPerSecond = 0,
      timeoutMs = 90_000,
      resendUnconfirmedAfterMs,
      telemetryLossAllowed,
    }: ScenarioOptions = {},
  ): Promise<ScenarioResult> {
    expect(await ledger.unresolved()).toBe(0);
    const loadStartedAt = Date.now();
    fleet.start(run, ALARMS_PER_SECOND, 'alarm.button');
    if (telemetryPerSecond > 0) fleet.startTelemetry(run, telemetryPerSecond);
    await sleep(LOAD_BEFORE_FAULT_MS - SWITCH_BEFORE_FAULT_MS);
    // Every device pressed the button before the switch, and presses a fall after it (a busy
    // box can slow the fleet's timer): each scenario opens exactly one alarm per device and type.
    await everyDevicePressed(run, 0);
    fleet.setPressType('fall.detected');
    const pressedBeforeSwitch = fleet.sentIn(run).length;
    await sleep(SWITCH_BEFORE_FAULT_MS);
    const faultBeganAt = Date.now();
    const restoredAt = await fault();
    await sleep(LOAD_AFTER_RESTORE_MS);
    await everyDevicePressed(run, pressedBeforeSwitch);
    fleet.stop();
    const loadSeconds = (fleet.telemetryStoppedAt - loadStartedAt) / 1000;
    await fleet.drained();
    const sent = fleet.sentIn(run);
    let resentUnconfirmed: SentAlarm[] = [];
    if (resendUnconfirmedAfterMs !== undefined) {
      await waitForConfirmations(sent, resendUnconfirmedAfterMs);
      resentUnconfirmed = sent.filter((alarm) => fleet.receivedFor(alarm).length === 0);
      await fleet.resend(resentUnconfirmed);
    }
    const telemetry = fleet.telemetryIn(run);
    // Telemetry a fault may lose is not waited for long: it is counted once the presses are in.
    const telemetryWaitMs = telemetryLossAllowed ? 5_000 : timeoutMs;
    const count = await ledger.waitForAll(run, sent, restoredAt, timeoutMs);
    const telemetryLost = telemetryPerSecond > 0 ? await ledger.waitForTelemetry(run, telemetry, telemetryWaitMs) : [];
    const confirmation = await confirmations(sent, count);
    const deadLettered = deadLetters.records.filter((record) => record.raw.includes(`${run}-`)).length;
    // Alarms opened by presses raised while the fault was on (from its start until the repair
    // began), and correlation keys whose first press was raised then: the alarm a key opens is
    // that press's unless the press was delayed past a later one (a device resending it).
    const inFault = (alarm: SentAlarm) => alarm.raisedAt >= faultBeganAt && alarm.raisedAt <= restoredAt;
    const openedInFault = sent.filter((alarm) => count.openers.has(pressKey(alarm)) && inFault(alarm)).length;
    const firstPresses = new Map<string, SentAlarm>();
    for (const alarm of sent) {
      const key = ledger.expectedKey(alarm.deviceId, alarm.type);
      if (!firstPresses.has(key)) firstPresses.set(key, alarm);
    }
    const keysFirstPressedInFault = [...firstPresses.values()].filter(inFault).length;
    const telemetryNote =
      telemetryPerSecond > 0
        ? `${telemetry.length}/${telemetryLost.length} (${Math.round(telemetry.length / loadSeconds)}/s offered)`
        : '-';
    const resentNote = resendUnconfirmedAfterMs === undefined ? 'off' : String(resentUnconfirmed.length);
    summary.push(
      [
        run.padEnd(20),
        String(count.sent).padStart(7),
        `${count.opened} (${count.expectedOpened}, ${openedInFault})`.padStart(41),
        String(count.lost.length).padStart(4),
        String(count.duplicateAlarms).padStart(17),
        String(count.duplicateLogSteps).padStart(20),
        `${confirmation.confirmed}/${count.sent}`.padStart(24),
        telemetryNote.padStart(19),
        resentNote.padStart(20),
        `${count.recoverySeconds.toFixed(1)} s`.padStart(22),
      ].join(' | '),
    );
    process.stdout.write(
      `[fault] ${run}: presses ${count.sent}, stored ${count.stored}, lost ${count.lost.length}, alarms opened ${count.opened} ` +
        `(expected ${count.expectedOpened}; ${openedInFault} by presses raised during the fault, whose first press of ${keysFirstPressedInFault} keys it saw), ` +
        `duplicate alarms ${count.duplicateAlarms}, duplicate log steps ${count.duplicateLogSteps}, missing log steps ${count.missingLogSteps}, ` +
        `alarm.received confirmed ${confirmation.confirmed}/${count.sent} (${confirmation.confirmedTwice.length} twice), ` +
        `telemetry sent/lost ${telemetryNote}, presses resent by devices for want of alarm.received ${resentNote}, dead-lettered ${deadLettered}, redeliveries absorbed ${redeliveries(run)}, ` +
        `recovered ${count.recoverySeconds.toFixed(1)} s after repair, worst alarm delay ${count.worstDelaySeconds.toFixed(1)} s ` +
        `(${count.slowest?.eventId}: ${count.slowest?.secondsToPuback.toFixed(1)} s of it before the broker's PUBACK)\n`,
    );
    expect(count.lost).toEqual([]);
    expect(count.opened).toBe(count.expectedOpened);
    expect(count.expectedOpened).toBe(2 * DEVICES);
    expect(keysFirstPressedInFault).toBeGreaterThanOrEqual(5);
    expect(count.duplicateAlarms).toBe(0);
    expect(count.wrongKey).toEqual([]);
    expect(count.attachedToOlder).toBe(0);
    expect(count.duplicateLogSteps).toBe(0);
    expect(count.missingLogSteps).toBe(0);
    expect(count.repeatCountMismatch).toBe(0);
    expect(count.unexpected).toBe(0);
    expect(confirmation.unconfirmed).toEqual([]);
    expect(confirmation.wrongAlarm).toEqual([]);
    expect(confirmation.confirmed).toBe(count.sent);
    if (!telemetryLossAllowed) expect(telemetryLost).toEqual([]);
    expect(deadLettered).toBe(0);
    expect(fleet.failedPublishes).toEqual([]);
    expect(fleet.malformedCommands).toEqual([]);
    expect(count.sent).toBeGreaterThan(
      ALARMS_PER_SECOND * ((LOAD_BEFORE_FAULT_MS + LOAD_AFTER_RESTORE_MS) / 1000) * 0.8,
    );
    return { count, confirmed: confirmation.confirmed, confirmedTwice: confirmation.confirmedTwice };
  }

  /** Waits until the fleet has made a round of presses (one per device) since its `after`-th press of `run`. */
  async function everyDevicePressed(run: string, after: number): Promise<void> {
    await eventually(() => expect(fleet.sentIn(run).length - after).toBeGreaterThanOrEqual(DEVICES), 60_000, 50);
  }

  /** Waits until every press is confirmed to its device, at most `timeoutMs`. */
  async function waitForConfirmations(sent: SentAlarm[], timeoutMs: number): Promise<void> {
    try {
      await eventually(
        () => {
          const left = sent.filter((alarm) => fleet.receivedFor(alarm).length === 0).length;
          if (left > 0) throw new Error(`${left} presses not confirmed yet`);
        },
        timeoutMs,
        250,
      );
    } catch {
      // Asserted by the caller.
    }
  }

  /**
   * Waits until every press's device got `alarm.received` naming it (ref = its event id), at most
   * a minute; each must name the alarm the press is stored on.
   */
  async function confirmations(sent: SentAlarm[], count: AlarmCount) {
    const unconfirmed = () => sent.filter((alarm) => fleet.receivedFor(alarm).length === 0).map(pressKey);
    await waitForConfirmations(sent, 60_000);
    const wrongAlarm = sent.flatMap((alarm) =>
      fleet
        .receivedFor(alarm)
        .filter((received) => received.alarmId !== count.alarmOf.get(pressKey(alarm)))
        .map(
          (received) => `${pressKey(alarm)} -> ${received.alarmId} (stored on ${count.alarmOf.get(pressKey(alarm))})`,
        ),
    );
    return {
      unconfirmed: unconfirmed(),
      confirmed: sent.filter((alarm) => fleet.receivedFor(alarm).length > 0).length,
      confirmedTwice: sent.filter((alarm) => fleet.receivedFor(alarm).length > 1).map(pressKey),
      wrongAlarm,
    };
  }

  /** Events of `run` that are on Kafka more than once (the tap itself may read a record twice after a broker failure). */
  const redeliveries = (run: string) => pressesOnKafka(run).length - new Set(pressesOnKafka(run)).size;

  const twiceOnKafka = (run: string) => {
    const ids = pressesOnKafka(run);
    return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  };

  /** Press event ids of `run` on Kafka, one per record. */
  const pressesOnKafka = (run: string): string[] => {
    const records = new Map(
      events.records.map((record) => [`${record.topic}/${record.partition}/${record.offset}`, record]),
    );
    return [...records.values()]
      .map((record) => (record.value.event as { id?: string } | undefined)?.id)
      .filter((id): id is string => id !== undefined && id.startsWith(`${run}-`) && !id.startsWith(`${run}-t`));
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

  it(
    'loses nothing when the ingestor is SIGKILLed mid-stream and restarted',
    async () => {
      await underLoad('ingestor-kill', () => killAndRestart(ingestor));
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'stores an event once when the ingestor dies after Kafka has it but before the PUBACK',
    async () => {
      // The 70th event of the backlog is, in order, among the first fall presses: those that open alarms.
      const crash = await crashPoint(ingestor, 'ingest.after-kafka-ack:70');
      const { count } = await underLoad('ingestor-after-ack', crash.run);
      expect(crash.exit()).toEqual({ code: null, signal: 'SIGKILL' });
      // The broker sent the unacknowledged event again, so Kafka has it twice: intake absorbed it.
      expect(redeliveries('ingestor-after-ack')).toBeGreaterThanOrEqual(1);
      process.stdout.write(
        `[fault] ingestor-after-ack: on Kafka twice: ${twiceOnKafka('ingestor-after-ack')
          .map(
            (id) =>
              `${id}${[...count.openers].some((key) => key.endsWith(`/${id}`)) ? ' (opened its alarm)' : ' (a repeat)'}`,
          )
          .join(', ')}\n`,
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'loses nothing when the response centre is SIGKILLed mid-stream and restarted',
    async () => {
      await underLoad('centre-kill', () => killAndRestart(responseCentre));
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'stores an alarm once when the response centre dies between its database commit and its offset commit',
    async () => {
      const crash = await crashPoint(responseCentre, 'intake.after-commit:70');
      const { count, confirmedTwice } = await underLoad('centre-after-commit', crash.run);
      // A redelivered press re-sends alarm.received: those its device heard twice were taken in again.
      process.stdout.write(
        `[fault] centre-after-commit: presses taken in again after the crash: ${confirmedTwice.length}, ` +
          `${confirmedTwice.filter((key) => count.openers.has(key)).length} of them had opened their alarm\n`,
      );
      // The first process died by its own hand at the crash point, after the 40th commit ...
      expect(crash.exit()).toEqual({ code: null, signal: 'SIGKILL' });
      // ... and its successor was handed that record again, which changed nothing.
      expect(await responseCentre.metric('device_events_stored_total', 'outcome="duplicate"')).toBeGreaterThanOrEqual(
        1,
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'loses nothing when the response centre is frozen past its Kafka session and thawed',
    async () => {
      await underLoad('centre-frozen', async () => {
        responseCentre.freeze();
        await sleep(12_000); // past KAFKA_SESSION_TIMEOUT_MS (10 s): the group drops it
        const restoredAt = Date.now();
        responseCentre.thaw();
        return restoredAt;
      });
      await expectReady(responseCentre);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'loses nothing when the Kafka broker is killed and comes back',
    async () => {
      await underLoad('kafka-kill', async () => {
        await kafka.kill('SIGKILL');
        await sleep(3000);
        const restoredAt = Date.now();
        kafka = await startKafka({ dataDir: kafka.dataDir, port: kafka.port, controllerPort: kafka.controllerPort });
        return restoredAt;
      });
      await expectReady(ingestor, responseCentre);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'loses nothing when PostgreSQL cuts every connection and refuses new ones for five seconds',
    async () => {
      await underLoad('postgres-outage', async () => {
        const outage = await cutDatabase(testInfra().postgresServerUrl, databaseName);
        await sleep(5000);
        const restoredAt = Date.now();
        await outage.restore();
        return restoredAt;
      });
      await expectReady(responseCentre);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'loses nothing when the MQTT broker restarts',
    async () => {
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
    },
    SCENARIO_TIMEOUT_MS,
  );

  it('loses no alarm when the MQTT broker is SIGKILLed during a telemetry flood and restarted on its persistence', async () => {
    // The flood keeps a queue for the ingestor in the broker, so the kill finds messages the
    // broker has acknowledged to devices and not yet handed on; what it had not saved is gone.
    // A device that hears no alarm.received sends the press again (same id): the contract's answer.
    await underLoad(
      'mqtt-kill',
      async () => {
        await mosquitto.kill();
        fleet.stopTelemetry();
        await sleep(1500);
        const restoredAt = Date.now();
        mosquitto = await startMosquittoInstance({
          dataDir: mosquitto.dataDir,
          port: mosquitto.port,
          accounts: mosquitto.accounts,
        });
        return restoredAt;
      },
      {
        telemetryPerSecond: FLOOD_PER_SECOND,
        timeoutMs: 180_000,
        resendUnconfirmedAfterMs: 30_000,
        telemetryLossAllowed: true,
      },
    );
    await expectReady(ingestor);
  }, 420_000);

  it('loses nothing when the response centre is SIGKILLed during a telemetry flood (overload)', async () => {
    // Heartbeats and positions at FLOOD_PER_SECOND from every device, presses interleaved; the
    // flood runs until the restart begins, and its backlog is then taken in with the presses'.
    await underLoad(
      'overload',
      async () => {
        await responseCentre.kill();
        await sleep(1500);
        fleet.stopTelemetry();
        const restoredAt = Date.now();
        await responseCentre.start();
        return restoredAt;
      },
      { telemetryPerSecond: FLOOD_PER_SECOND, timeoutMs: 240_000 },
    );
  }, 420_000);

  it(
    'opens one alarm per correlation key when devices resend and reconnect all at once',
    async () => {
      await underLoad('resend', async () => {
        await fleet.resend(fleet.sentIn('resend').slice(0, 30));
        fleet.reconnectStorm();
        await sleep(500);
        await fleet.resend(fleet.sentIn('resend').slice(0, 30));
        return Date.now();
      });
      expect(redeliveries('resend')).toBeGreaterThanOrEqual(60);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'loses nothing with two instances of each service while one of each is killed (the survivors on the other Node LTS line)',
    async () => {
      // The instances that carry the load through the kill run on the other supported LTS line
      // (22 when the tests run on 24): the services run on both, and a fleet half-upgraded to a
      // new Node line shares its consumer groups, broker sessions and database without loss.
      const otherMajor = Number(process.versions.node.split('.')[0]) === 22 ? 24 : 22;
      const otherLts = await nodeOfMajor(otherMajor);
      expect(execFileSync(otherLts, ['--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^v${otherMajor}\\.`));
      const shared = { MQTT_SHARED_GROUP: 'fault-ingestors' };
      const ingestors = ['s1', 's2'].map(
        (id, i) =>
          new ServiceProcess(
            `ingestor-${id}`,
            'ingestor',
            { ...ingestorEnv(), ...shared, MQTT_CLIENT_ID: `fault-ingestor-${id}` },
            logDir,
            i === 1 ? otherLts : process.execPath,
          ),
      );
      const secondCentre = new ServiceProcess('response-centre-b', 'response-centre', centreEnv(), logDir, otherLts);
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
    },
    SCENARIO_TIMEOUT_MS,
  );

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
