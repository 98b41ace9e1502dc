/**
 * The measured parts of a run. Each phase has its own counters (PhaseStats): an event counts
 * in the phase that sent it, even when it arrives after the phase ended, and a phase's rates
 * count only its own events (a late arrival of the phase before does not inflate them).
 * Between phases the benchmark waits until the phase before is stored and its alarms confirmed
 * (at most --drain-seconds), so each phase starts from an empty pipeline when the system
 * keeps up, and the report says so when it did not.
 */
import { IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { AlarmCommandTap } from './alarm-command-tap';
import { alarmStoredLatency } from './alarm-stored-latency';
import { BenchOptions } from './bench-options';
import { PhaseResult } from './bench-result';
import { EventLedger, PhaseStats } from './event-ledger';
import { LoadGenerator, sleep, waitUntil } from './load-generator';
import { PostgresBackends } from './postgres-backends';
import { ProcessMonitor, ProcessUsage } from './process-monitor';
import { log, Progress } from './progress';
import { StoredEvents } from './stored-events';

/** How long the first alarm may take: consumer groups are still settling right after start-up. */
const ROUND_TRIP_TIMEOUT_MS = 90_000;
/** Saturation: the first seconds fill the pipeline and are not counted. */
const SATURATION_RAMP_MS = 2000;
/** Period of the probe that times this process's own event loop, ms. */
const LOOP_PROBE_MS = 10;
/** How often a drain wait reads the stored count back. */
const DRAIN_POLL_MS = 500;

/** What the phases share. */
export interface Run {
  options: BenchOptions;
  ledger: EventLedger;
  load: LoadGenerator;
  monitor: ProcessMonitor;
  /** The response centre's database connections; null on embedded PGlite. */
  backends: PostgresBackends | null;
  progress: Progress;
  /** Events the response centre stored so far (its own counter, all phases; for the progress line). */
  stored: () => Promise<number | null>;
  /** Each phase's own events in the database. */
  storedEvents: StoredEvents;
  databaseUrl: string;
  /** When each alarm's alarm.received was handed to Kafka (device-commands.v1). */
  commands: AlarmCommandTap;
}

/** Rates and resource use over a measured window, the phase's own events only. */
interface WindowFigures {
  seconds: number;
  /** Wall clock of the window, ms: the stored rate is read back for it after the drain. */
  wall: { fromMs: number; toMs: number };
  ingestRate: number;
  /** Every event of the run reaching Kafka per second in the window, any phase. */
  runIngestRate: number;
  usage: ProcessUsage[];
  machineBusyPercent: number;
}

interface DrainOutcome {
  /** From the end of sending until the last of the phase's events was stored; null when not within the cap. */
  drainMs: number | null;
  stored: number;
}

/** One alarm through the whole chain before measuring: consumer groups joined, topics ready. */
export async function checkRoundTrip(run: Run): Promise<void> {
  const phase = new PhaseStats('round trip');
  run.load.sendOne(phase, 'alarm.button');
  if (!(await waitUntil(() => phase.alarmsConfirmed === 1, ROUND_TRIP_TIMEOUT_MS))) {
    throw new Error(
      `no alarm.received within ${ROUND_TRIP_TIMEOUT_MS / 1000} s of a first alarm (on Kafka: ${phase.onKafka}); see the service logs`,
    );
  }
  log(`round trip ok: alarm.received after ${phase.alarm.summary().maxMs.toFixed(0)} ms`);
}

/**
 * The services' first seconds are slow (JIT, connection pools, first fetches). Warm them up as
 * fast as they go (closed loop), then wait until the warm-up is stored and its alarms are
 * back, so the measured phase starts from an empty pipeline (at most --drain-seconds).
 */
export async function warmUp(run: Run): Promise<string> {
  const { options, load, progress } = run;
  if (options.warmupSeconds === 0) return 'none (--warmup 0)';
  const warmup = new PhaseStats('warm-up');
  const display = { phase: warmup, stored: run.stored, storedAtStart: await run.stored() };
  progress.start(`warm-up, ${options.window} in flight`, options.warmupSeconds, display);
  await load.runSaturated(options.window, options.warmupSeconds, warmup);
  progress.start('warm-up: waiting until it is stored', 0, display);
  const { drainMs, stored } = await drain(run, warmup);
  progress.stop();
  const outcome =
    drainMs === null
      ? `${warmup.sent} events; did not drain within ${options.drainSeconds} s (${stored} stored), so the fixed-rate phase started behind its backlog`
      : `${warmup.sent} events, all stored ${(drainMs / 1000).toFixed(1)} s after it ended`;
  log(`warm-up: ${outcome}`);
  return outcome;
}

/** Open loop at --rate for --seconds: latencies from each event's scheduled send time. */
export function runFixedRatePhase(run: Run, name = 'fixed rate'): Promise<PhaseResult> {
  return runOpenLoop(run, name, run.options.rate, run.options.seconds);
}

/**
 * Open loop at twice the sustained rate for --overload-seconds, the usual mix (alarms
 * included): what devices feel when the backbone is overrun, and how long the backlog takes
 * to clear after.
 */
export function runOverloadPhase(run: Run, rate: number): Promise<PhaseResult> {
  return runOpenLoop(run, 'overload', rate, run.options.overloadSeconds);
}

async function runOpenLoop(run: Run, name: string, rate: number, seconds: number): Promise<PhaseResult> {
  const { load, progress } = run;
  const phase = new PhaseStats(name);
  const loopDelay = watchOwnLoop();
  const endWindow = await openWindow(run, phase);
  const display = { phase, stored: run.stored, storedAtStart: await run.stored() };
  progress.start(`${name}, ${Math.round(rate)}/s`, seconds, display);
  await load.runAtRate(rate, seconds, phase);
  const figures = await endWindow();
  progress.start(`${name}: waiting until it is stored and its alarms are back`, 0, display);
  const outcome = await drain(run, phase);
  progress.stop();
  return result(run, phase, figures, outcome, loopDelay, rate, seconds);
}

/**
 * Closed loop: --window events in flight to Kafka, for --saturation-seconds; the sustained
 * rates. Its ingest and stored rates are capacity figures: every event of the run that reached
 * Kafka, and that the response centre stored, in the window, so a backlog left by the phase
 * before (when it did not drain) counts as work done rather than hiding the capacity behind
 * it; its latencies and losses are its own events'.
 */
export async function runSaturationPhase(run: Run): Promise<PhaseResult> {
  const { options, load, progress } = run;
  const phase = new PhaseStats('saturation');
  const loopDelay = watchOwnLoop();
  const rampMs = Math.min(SATURATION_RAMP_MS, (options.saturationSeconds * 1000) / 4);
  const display = { phase, stored: run.stored, storedAtStart: await run.stored() };
  progress.start(`saturation, ${options.window} in flight`, options.saturationSeconds, display);
  const saturating = load.runSaturated(options.window, options.saturationSeconds, phase);
  await sleep(rampMs);
  const endWindow = await openWindow(run, phase);
  await saturating;
  const figures = await endWindow();
  progress.start('saturation: waiting until it is stored and its alarms are back', 0, display);
  const outcome = await drain(run, phase);
  progress.stop();
  return result(run, phase, figures, outcome, loopDelay, null, options.saturationSeconds, 'run');
}

async function result(
  run: Run,
  phase: PhaseStats,
  figures: WindowFigures,
  outcome: DrainOutcome,
  loopDelay: IntervalHistogram,
  offeredRate: number | null,
  seconds: number,
  storedCounts: 'own' | 'run' = 'own',
): Promise<PhaseResult> {
  loopDelay.disable();
  const own = (await run.storedEvents.count(phase, figures.wall)).inWindow;
  const inWindow = storedCounts === 'own' ? own : await run.storedEvents.countRun(figures.wall);
  const { wall: _wall, runIngestRate, ingestRate, ...rest } = figures;
  const alarmStored = await alarmStoredLatency(run.databaseUrl, phase.alarmSentAt).catch(() => null);
  return {
    ...rest,
    ingestRate: storedCounts === 'own' ? ingestRate : runIngestRate,
    ownIngestRate: ingestRate,
    name: phase.name,
    offeredRate,
    phaseSeconds: seconds,
    storedRate: inWindow / figures.seconds,
    storedInWindow: inWindow,
    storedCounts,
    ownStoredInWindow: own,
    sent: phase.sent,
    missingOnKafka: phase.missingOnKafka,
    stored: outcome.stored,
    drainMs: outcome.drainMs,
    drainCapSeconds: run.options.drainSeconds,
    alarmsSent: phase.alarmsSent,
    alarmsLost: phase.alarmsLost,
    ingest: phase.ingest.summary(),
    alarmIngest: phase.alarmIngest.summary(),
    alarm: phase.alarm.summary(),
    alarmStored,
    alarmCommand: run.commands.latency(phase.alarmSentAt),
    wayBack: run.commands.wayBack(alarmStored?.storedAt ?? new Map(), phase.alarmConfirmedAt),
    ownLoopDelay: { p99Ms: lateMs(loopDelay.percentile(99)), maxMs: lateMs(loopDelay.max) },
  };
}

/**
 * This process's own event-loop delay from a phase's start to the end of its drain: the devices'
 * sends and their receipt of alarm.received are timed on this loop, so a busy loop makes them
 * late; a delay near the way back's figures says the benchmark, not the system, took that time.
 */
function watchOwnLoop(): IntervalHistogram {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_PROBE_MS });
  histogram.enable();
  return histogram;
}

/** The histogram holds the time between the probe's ticks (ns); late is what exceeds its period. */
function lateMs(gapNs: number): number {
  return Math.max(0, gapNs / 1e6 - LOOP_PROBE_MS);
}

/**
 * Waits until every event of the phase is stored and every alarm confirmed, at most
 * --drain-seconds; then gives up on the alarms still unconfirmed (counted lost, recorded
 * with the time waited).
 */
async function drain(run: Run, phase: PhaseStats): Promise<DrainOutcome> {
  const endedAt = performance.now();
  const deadline = endedAt + run.options.drainSeconds * 1000;
  let drainMs: number | null = null;
  let stored = 0;
  for (;;) {
    stored = await run.storedEvents.count(phase).then(
      (count) => count.stored,
      () => stored,
    );
    const now = performance.now();
    if (drainMs === null && stored >= phase.sent) drainMs = now - endedAt;
    if ((drainMs !== null && phase.pendingAlarms.size === 0) || now >= deadline) break;
    await sleep(DRAIN_POLL_MS);
  }
  run.ledger.closeAlarms(phase);
  return { drainMs, stored };
}

/**
 * Starts a measured window: the phase's arrivals on Kafka, CPU and memory, the wall clock for
 * the stored count. Returns the function that ends it. The database backends are re-read
 * first: the response centre's pool grows under load.
 */
async function openWindow(run: Run, phase: PhaseStats): Promise<() => Promise<WindowFigures>> {
  await run.backends?.refresh();
  const [onKafka, arrivals, snapshot, at, fromMs] = [
    phase.onKafka,
    run.ledger.arrivals,
    run.monitor.snapshot(),
    performance.now(),
    Date.now(),
  ];
  return async () => {
    const [onKafkaAfter, arrivalsAfter, seconds, toMs] = [
      phase.onKafka,
      run.ledger.arrivals,
      (performance.now() - at) / 1000,
      Date.now(),
    ];
    return {
      seconds,
      wall: { fromMs, toMs },
      ingestRate: (onKafkaAfter - onKafka) / seconds,
      runIngestRate: (arrivalsAfter - arrivals) / seconds,
      usage: run.monitor.usageSince(snapshot),
      machineBusyPercent: run.monitor.machineSince(snapshot).busyPercent,
    };
  };
}
