/**
 * `npm run bench`: the backbone under load from simulated devices over MQTT, next to the
 * physical limits of this machine (Kafka's own producer tool, a bare MQTT loop).
 *
 * 1. a fresh Kafka, a fresh database, a private Mosquitto;
 * 2. the limits, measured first, while nothing else runs;
 * 3. both services from dist/, 200 devices (with --connections, idle connections up to that
 *    many), one alarm round trip to prove the chain works;
 * 4. a warm-up, then a fixed-rate phase (default 1,000 events/s): ingest and alarm end-to-end
 *    latency from each event's scheduled send time; with --with-month-reports the same phase
 *    again right after, while month reports are made through the report API (month-reports.ts);
 * 5. a saturation phase: the sustained maximum rate, ingested and stored end to end, and the
 *    CPU each process spends per event;
 * 6. an overload phase at twice the sustained stored rate: alarm latency while overrun, and
 *    how long the backlog takes to be stored after;
 * 7. a summary on stdout, a row in bench/results.csv, everything stopped.
 * After each phase the benchmark waits (at most --drain-seconds) until its events are stored
 * and its alarms confirmed; what is missing then is reported lost.
 *
 * Progress and log lines go to stderr, the summary to stdout.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { loadavg, setPriority } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { repoRoot } from '@welfare/infra';
import { BenchOptions, parseBenchOptions } from './bench-options';
import {
  BENCHMARK_PROCESS,
  BenchResult,
  OVERFLOW_BROKER_PROCESS,
  PhaseResult,
  REPORT_CONNECTION,
  REPORT_WORKER_THREAD,
  RESPONSE_CENTRE_MAIN_THREAD,
} from './bench-result';
import { Infrastructure, Services, startInfrastructure, startServices } from './bench-stack';
import { OnboardedFleet, onboardBenchDevices } from './registry-onboarding';
import { Cleanup } from './cleanup';
import { DeviceFleet } from './device-fleet';
import { EventLedger } from './event-ledger';
import { RecordSizes, recordSizes } from './event-mix';
import { AlarmCommandTap } from './alarm-command-tap';
import { KafkaEventTap } from './kafka-event-tap';
import { measureKafkaProducerLimit } from './kafka-producer-limit';
import { measureSequentialSends } from './kafkajs-sequential-limit';
import { LoadGenerator } from './load-generator';
import { measureMqttLoopLimit } from './mqtt-loop-limit';
import { SEEDED_PERIOD } from './month-of-alarms';
import { MonthReportsResult, prepareMonthReports, reportWorkerThreads, whileReportsAreMade } from './month-reports';
import { REPORT_WORKER_APPLICATION_NAME } from '../../apps/response-centre/src/reports/report-worker-protocol';
import { PostgresBackends } from './postgres-backends';
import { readStatementProfile, resetStatementProfile } from './postgres-profile';
import { checkRoundTrip, Run, runFixedRatePhase, runOverloadPhase, runSaturationPhase, warmUp } from './phases';
import {
  ConnectionsResult,
  fdCount,
  IdleConnections,
  openFilesLimit,
  openFilesSoftLimit,
  raiseOpenFiles,
  socketCount,
} from './idle-connections';
import { OverflowBroker, startOverflowBroker } from './overflow-broker';
import { StoredEvents } from './stored-events';
import { ProcessMonitor, WatchedProcess } from './process-monitor';
import { log, Progress } from './progress';
import { formatReport } from './report';
import { appendResult, toRow } from './results-csv';
import { scrapeCounter } from './service-process';

const SEQUENTIAL_SENDS_SECONDS = 3;

async function main(): Promise<void> {
  const options = parsedOptions();
  const cleanup = new Cleanup(log);
  cleanup.exitOnSignals();
  let failed = false;
  try {
    const result = await runBench(options, cleanup, () => failed || options.keep);
    await cleanup.runAll();
    process.stdout.write(`\n${formatReport(result)}\n`);
    if (options.csv) process.stdout.write(`${await appendResult(csvPath(options.csv), toRow(result))}\n`);
  } catch (error) {
    failed = true;
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanup.runAll();
    process.exitCode = 1;
  }
}

function parsedOptions(): BenchOptions {
  try {
    return parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

async function runBench(options: BenchOptions, cleanup: Cleanup, keepWorkDir: () => boolean): Promise<BenchResult> {
  const tag = randomBytes(4).toString('hex');
  const startedAt = new Date();
  const loadAverage = loadavg()[0];
  const sizes = recordSizes(options.mix, deviceId(tag, 0), `${tag}.${options.rate * options.seconds}`);
  const infra = await startInfrastructure(tag, options, keepWorkDir, cleanup, log);

  // The limits first, while nothing else of ours runs on the machine.
  const { kafkaLimit, sequentialSends, mqttLimit } = await measureLimits(options, sizes, infra, tag);

  const services = await startServices(infra, tag, cleanup, log);
  if (options.ingestorNice !== null) {
    // Every thread of the process (Linux sets nice per thread): libuv's pool and V8's helpers too.
    for (const thread of readdirSync(`/proc/${services.ingestor.pid}/task`))
      setPriority(Number(thread), options.ingestorNice);
    log(`ingestor (pid ${services.ingestor.pid}) runs at nice ${options.ingestorNice} (--ingestor-nice)`);
  }
  const { run, idle, onboarded } = await prepareRun(options, tag, infra, services, cleanup);
  await checkRoundTrip(run);
  const withMonthReports = await monthReportsPhase(options, infra, services, onboarded);
  const warmup = await warmUp(run);
  const fixedRate = await runFixedRatePhase(run);
  const monthReports = await withMonthReports(run);
  const connections = idle ? await connectionsHeld(options, idle, run, infra.mqttPid) : null;
  const statementProfiles: BenchResult['statementProfiles'] = [];
  const profiled = async (phase: () => Promise<PhaseResult>): Promise<PhaseResult> => {
    if (!options.postgresProfile) return phase();
    await resetStatementProfile(infra.databaseUrl);
    const result = await phase();
    const profile = await readStatementProfile(infra.databaseUrl);
    statementProfiles.push({ phase: `${result.name} phase and its drain`, eventsStored: result.stored, profile });
    return result;
  };
  const saturation = options.saturationSeconds > 0 ? await profiled(() => runSaturationPhase(run)) : null;
  let overload = null;
  let overloadSkipped: string | null = null;
  if (options.overloadSeconds === 0) overloadSkipped = '--overload-seconds 0';
  else if (options.overloadRate !== null) overload = await profiled(() => runOverloadPhase(run, options.overloadRate!));
  else if (!saturation) overloadSkipped = 'no saturation phase to take the sustained rate from';
  else if (saturation.storedRate < 1) overloadSkipped = 'nothing was stored in the saturation phase';
  else overload = await profiled(() => runOverloadPhase(run, 2 * saturation.storedRate));
  run.progress.stop();
  return {
    startedAt,
    commit: gitCommit(),
    loadAverage,
    loadAverageAfter: loadavg()[0],
    warmup,
    overload,
    overloadSkipped,
    connections,
    openFiles: {
      bench: openFilesLimit(process.pid) ?? 'unknown',
      broker: infra.mqttPid === null ? null : (openFilesLimit(infra.mqttPid) ?? 'unknown'),
    },
    options,
    sizes,
    mqttBroker: `${infra.mqttUrl} (${infra.mqttKind})`,
    database: infra.embeddedDatabase ? 'embedded PGlite' : 'PostgreSQL (fresh database)',
    kafkaLimit,
    mqttLimit,
    sequentialSends,
    fixedRate,
    monthReports,
    saturation,
    statementProfiles,
    publishErrors: run.load.publishErrors,
  };
}

/**
 * With --with-month-reports: the month seeded and folded now (before the warm-up, so both
 * fixed-rate phases see the same database); returns the phase to run right after the plain
 * one. Without: a phase that runs nothing.
 */
async function monthReportsPhase(
  options: BenchOptions,
  infra: Infrastructure,
  services: Services,
  onboarded: OnboardedFleet,
): Promise<(run: Run) => Promise<MonthReportsResult | null>> {
  if (!options.monthReports) return async () => null;
  const month = {
    ...options.monthReports,
    municipalityId: onboarded.municipalityId,
    responseCentreId: onboarded.responseCentreId,
  };
  const target = {
    databaseUrl: infra.databaseUrl,
    responseCentreUrl: services.responseCentre.url,
    issuer: services.issuer,
    month,
  };
  const { api, setup } = await prepareMonthReports(target, log);
  return async (run) => {
    const { value: phase, requests } = await whileReportsAreMade(api, () =>
      runFixedRatePhase(run, 'fixed rate, month reports meanwhile'),
    );
    return { setup: { ...setup, alarms: month.alarms, period: SEEDED_PERIOD }, phase, requests };
  };
}

async function measureLimits(options: BenchOptions, sizes: RecordSizes, infra: Infrastructure, tag: string) {
  log(
    `Kafka ProducerPerformance: ${options.kafkaRecords} records of ${sizes.kafkaRecordBytes} B, acks=all, unthrottled`,
  );
  const kafkaLimit = await measureKafkaProducerLimit(infra.kafka.brokers, sizes.kafkaRecordBytes, options.kafkaRecords);
  log(`  ${Math.round(kafkaLimit.recordsPerSec)} records/s`);
  log(
    `kafkajs, one ${sizes.kafkaRecordBytes} B record per awaited send (the ingestor's hand-over), ${SEQUENTIAL_SENDS_SECONDS} s`,
  );
  const sequentialSends = await measureSequentialSends(
    infra.kafka.brokers,
    sizes.kafkaRecordBytes,
    SEQUENTIAL_SENDS_SECONDS,
  );
  log(`  ${Math.round(sequentialSends.sendsPerSec)} sends/s`);
  log(`bare MQTT loop: ${sizes.mqttPayloadBytes} B payloads, QoS 1, ${options.mqttLoopSeconds} s`);
  // On the private Mosquitto only the test account may use a topic outside the device contract.
  const loopLogin = infra.mqttAccounts?.anyDevicePublisher ?? {};
  const mqttLimit = await measureMqttLoopLimit(
    infra.mqttUrl,
    `welfare-test/bench/${tag}/loop`,
    sizes.mqttPayloadBytes,
    options.mqttLoopSeconds,
    options.window,
    loopLogin,
  );
  log(`  ${Math.round(mqttLimit.messagesPerSec)} messages/s`);
  return { kafkaLimit, sequentialSends, mqttLimit };
}

/** Sending and idle connections still up after the measured phase, and the brokers' sockets. */
async function connectionsHeld(
  options: BenchOptions,
  idle: IdleSetup,
  run: Run,
  brokerPid: number | null,
): Promise<ConnectionsResult> {
  const overflow = idle.overflow;
  const overflowHeld = overflow ? Math.max(0, await overflow.idle.connected()) : 0;
  return {
    target: options.connections,
    senders: options.devices,
    idleAsked: options.connections - options.devices,
    idleConnected: idle.core.up + (overflow?.idle.up ?? 0),
    idleFailed: idle.core.failed + (overflow?.idle.failed ?? 0),
    connectSeconds: idle.core.connectSeconds + (overflow?.idle.connectSeconds ?? 0),
    heldAfter: Math.max(0, await idle.core.connected()) + overflowHeld + run.load.connectedDevices,
    brokerSockets: brokerPid === null ? null : socketCount(brokerPid),
    sourceAddresses: idle.core.sourceAddresses,
    capped: idle.capped,
    overflow: overflow
      ? { idleConnected: overflow.idle.up, heldAfter: overflowHeld, brokerSockets: socketCount(overflow.broker.pid) }
      : null,
  };
}

/** File descriptors the broker keeps free for the services, its persistence file and reconnects. */
const BROKER_FD_MARGIN = 16;

/** The idle connections of --connections: on the broker under test, and those it cannot hold. */
interface IdleSetup {
  core: IdleConnections;
  /** When the first broker cannot hold them all: the rest, on a second broker bridged to it. */
  overflow: { broker: OverflowBroker; idle: IdleConnections } | null;
  capped: string | null;
}

/**
 * With --connections: open-files limits raised where allowed (the private broker; the idle
 * connections' child process), then the idle connections, in a child process of their own.
 * When the broker cannot open that many sockets (its hard limit, no permission to raise it),
 * it takes as many as fit and the rest go to an overflow broker bridged to it (a broker out of
 * file descriptors would spin on its listening socket and spoil every other figure); the report
 * says so. Without Mosquitto for that second broker, only those that fit are opened.
 */
async function openIdleConnections(
  options: BenchOptions,
  tag: string,
  infra: Infrastructure,
  cleanup: Cleanup,
  onChild: (pid: number) => void,
): Promise<IdleSetup | null> {
  const idleCount = options.connections - options.devices;
  if (options.connections === 0 || idleCount <= 0) return null;
  raiseLimits(options.connections + 4096, [
    ['benchmark', process.pid],
    ['mosquitto', infra.mqttPid],
  ]);
  const fits = brokerRoom(infra.mqttPid) ?? idleCount;
  const login = infra.mqttAccounts?.anyDevicePublisher ?? {};
  const open = async (mqttUrl: string, count: number, firstIndex: number, where: string) => {
    log(`connecting ${count} idle connections to ${where} (child process, batches, several loopback source addresses)`);
    const idle = await IdleConnections.open({ mqttUrl, count, login, tag, firstIndex }, log);
    onChild(idle.pid);
    cleanup.add(`disconnect idle connections (${where})`, () => idle.close());
    log(`  ${idle.up} idle connections up in ${idle.connectSeconds.toFixed(1)} s, ${idle.failed} failed`);
    return idle;
  };
  if (fits >= idleCount)
    return { core: await open(infra.mqttUrl, idleCount, 0, 'the broker'), overflow: null, capped: null };

  const limit = `the broker's open-files limit is ${openFilesSoftLimit(infra.mqttPid!)} (not raisable here): ${fits} of ${idleCount} idle connections fit`;
  const broker = infra.mqttAccounts
    ? await startOverflowBroker(infra.mqttUrl, infra.mqttAccounts, infra.workDir, tag, cleanup)
    : null;
  if (!broker) {
    log(`capping: ${limit}, and no second broker can be started`);
    return {
      core: await open(infra.mqttUrl, fits, 0, 'the broker'),
      overflow: null,
      capped: `${limit}; no overflow broker`,
    };
  }
  const rest = idleCount - fits;
  const capped = `${limit}; the other ${rest} on a second Mosquitto bridged to it (${broker.url})`;
  log(`overflow: ${capped}`);
  raiseLimits(rest + 4096, [['overflow mosquitto', broker.pid]]);
  const core = await open(infra.mqttUrl, fits, 0, 'the broker');
  const overflowIdle = await open(broker.url, rest, fits, 'the overflow broker');
  return { core, overflow: { broker, idle: overflowIdle }, capped };
}

function raiseLimits(limit: number, processes: (readonly [string, number | null])[]): void {
  for (const [name, pid] of processes) {
    // prlimit would as readily lower a limit that is already higher.
    if (pid === null || (openFilesSoftLimit(pid) ?? 0) >= limit) continue;
    const before = openFilesLimit(pid);
    const raised = raiseOpenFiles(pid, limit);
    log(
      `open files of ${name} (pid ${pid}): ${before} -> ${openFilesLimit(pid)}${raised ? '' : ' (prlimit not permitted: hard limit stays)'}`,
    );
  }
}

/** Idle connections the broker still has file descriptors for; null when unknown (not ours, or unreadable). */
function brokerRoom(pid: number | null): number | null {
  if (pid === null) return null;
  const limit = openFilesSoftLimit(pid);
  const open = fdCount(pid);
  return limit === null || open === null ? null : Math.max(0, limit - open - BROKER_FD_MARGIN);
}

/** Process monitor, Kafka tap, device fleet and idle connections, each registered for cleanup. */
async function prepareRun(
  options: BenchOptions,
  tag: string,
  infra: Infrastructure,
  services: Services,
  cleanup: Cleanup,
): Promise<{ run: Run; idle: IdleSetup | null; onboarded: OnboardedFleet }> {
  const backends = infra.embeddedDatabase ? null : new PostgresBackends(infra.databaseUrl);
  const single = (pid: number) => () => [pid];
  const idlePids: number[] = [];
  let overflowPid: number | null = null;
  const monitor = new ProcessMonitor([
    { name: 'ingestor', pids: single(services.ingestor.pid) },
    { name: 'response-centre', pids: single(services.responseCentre.pid) },
    ...(options.monthReports ? reportThreadsWatched(services.responseCentre.pid) : []),
    ...(backends ? [{ name: 'postgres (its backends)', pids: () => backends.pids(), reportRss: false }] : []),
    ...(backends && options.monthReports
      ? [{ name: REPORT_CONNECTION, pids: () => backends.pidsOf(REPORT_WORKER_APPLICATION_NAME), reportRss: false }]
      : []),
    { name: 'kafka', pids: single(infra.kafka.pid) },
    ...(infra.mqttPid === null ? [] : [{ name: 'mosquitto', pids: single(infra.mqttPid) }]),
    { name: BENCHMARK_PROCESS, pids: single(process.pid) },
    { name: 'benchmark: idle connections', pids: () => idlePids },
    { name: OVERFLOW_BROKER_PROCESS, pids: () => (overflowPid === null ? [] : [overflowPid]) },
  ]);
  monitor.start();
  cleanup.add('stop process monitor', async () => monitor.stop());

  const ledger = new EventLedger();
  const onArrival = (eventId: string, at: number, producedAt: number): void =>
    ledger.seenOnKafka(eventId, at, producedAt);
  const tap = await KafkaEventTap.open(infra.kafka.brokers, `bench-tap-${tag}`, onArrival, () => ledger.batchDone());
  cleanup.add('close Kafka tap', () => tap.close());
  const commands = await AlarmCommandTap.open(infra.kafka.brokers, `bench-command-tap-${tag}`);
  cleanup.add('close Kafka command tap', () => commands.close());

  const ids = Array.from({ length: options.devices }, (_, i) => deviceId(tag, i));
  log(`onboarding ${options.devices} devices at the registry`);
  const onboarded = await onboardBenchDevices(services.registryUrl, services.issuer, ids, tag);
  log(`connecting ${options.devices} devices`);
  const fleet = await DeviceFleet.connect(
    infra.mqttUrl,
    ids,
    (command, at) => {
      if (command.type === 'alarm.received' && typeof command.ref === 'string') ledger.alarmConfirmed(command.ref, at);
    },
    infra.mqttAccounts ? onboarded.secrets : new Map(),
  );
  cleanup.add('disconnect devices', () => fleet.close());
  const idle = await openIdleConnections(options, tag, infra, cleanup, (pid) => idlePids.push(pid));
  overflowPid = idle?.overflow?.broker.pid ?? null;
  const storedEvents = await StoredEvents.open(infra.databaseUrl, tag);
  cleanup.add('close database read-back', () => storedEvents.close());

  const progress = new Progress();
  cleanup.add('stop progress display', async () => progress.stop());
  const stored = (): Promise<number | null> =>
    scrapeCounter(
      services.responseCentre,
      'device_events_stored_total',
      (labels) => !labels.includes('outcome="duplicate"'),
    ).catch(() => null);
  const load = new LoadGenerator(fleet, ledger, options.mix, tag);
  const run = {
    options,
    ledger,
    load,
    monitor,
    backends,
    progress,
    stored,
    storedEvents,
    databaseUrl: infra.databaseUrl,
    commands,
  };
  return { run, idle, onboarded };
}

/** The response centre's main thread (its event loop: the intake, the fold, HTTP) and its report worker thread. */
function reportThreadsWatched(pid: number): WatchedProcess[] {
  const thread = (tid: number) => `/proc/${pid}/task/${tid}`;
  return [
    { name: RESPONSE_CENTRE_MAIN_THREAD, pids: () => [pid], procDir: thread, reportRss: false },
    { name: REPORT_WORKER_THREAD, pids: () => reportWorkerThreads(pid), procDir: thread, reportRss: false },
  ];
}

function deviceId(tag: string, index: number): string {
  return `bench-${tag}-${String(index).padStart(4, '0')}`;
}

function csvPath(path: string): string {
  return isAbsolute(path) ? path : join(repoRoot(), path);
}

/** Short commit, marked -dirty when tracked files changed; "unknown" outside git. */
function gitCommit(): string {
  try {
    const cwd = repoRoot();
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}

void main();
