/**
 * The measured parts of a run. Each phase has its own counters (PhaseStats): an event counts
 * in the phase that sent it, even when it arrives after the phase ended.
 */
import { performance } from 'node:perf_hooks';
import { alarmStoredLatency } from './alarm-stored-latency';
import { BenchOptions } from './bench-options';
import { FixedRateResult, SaturationResult } from './bench-result';
import { EventLedger, PhaseStats } from './event-ledger';
import { LoadGenerator, sleep, waitUntil } from './load-generator';
import { PostgresBackends } from './postgres-backends';
import { ProcessMonitor, ProcessUsage } from './process-monitor';
import { log, Progress } from './progress';

/** How long the first alarm may take: consumer groups are still settling right after start-up. */
const ROUND_TRIP_TIMEOUT_MS = 90_000;
/** After a phase, how long to wait for its last events to arrive before counting them lost. */
const DRAIN_TIMEOUT_MS = 15_000;
/** Saturation: the first seconds fill the pipeline and are not counted. */
const SATURATION_RAMP_MS = 2000;

/** What the phases share. */
export interface Run {
  options: BenchOptions;
  ledger: EventLedger;
  load: LoadGenerator;
  monitor: ProcessMonitor;
  /** The response centre's database connections; null on embedded PGlite. */
  backends: PostgresBackends | null;
  progress: Progress;
  /** Events the response centre stored so far (its own counter, duplicates excluded). */
  stored: () => Promise<number | null>;
  databaseUrl: string;
}

/** Rates and resource use over a measured window. */
interface WindowFigures {
  ingestRate: number;
  storedRate: number | null;
  usage: ProcessUsage[];
  machineBusyPercent: number;
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
 * fast as they go (closed loop: no backlog piles up), then let the response centre catch up,
 * so the measured phase starts from an empty pipeline.
 */
async function warmUp(run: Run): Promise<void> {
  const { options, load, progress } = run;
  const warmup = new PhaseStats('warm-up');
  const display = { phase: warmup, stored: run.stored, storedAtStart: await run.stored() };
  progress.start(`warm-up, ${options.window} in flight`, options.warmupSeconds, display);
  await load.runSaturated(options.window, options.warmupSeconds, warmup);
  progress.start('warm-up: draining', 0, display);
  await waitUntil(() => warmup.missingOnKafka === 0 && warmup.alarmsUnconfirmed === 0, DRAIN_TIMEOUT_MS);
}

export async function runFixedRatePhase(run: Run): Promise<FixedRateResult> {
  const { options, load, progress } = run;
  if (options.warmupSeconds > 0) await warmUp(run);
  const phase = new PhaseStats('fixed rate');
  const endWindow = await openWindow(run);
  const display = { phase, stored: run.stored, storedAtStart: await run.stored() };
  progress.start(`${options.rate}/s`, options.seconds, display);
  await load.runAtRate(options.rate, options.seconds, phase);
  const figures = await endWindow();

  progress.start('fixed rate: waiting for the last events and alarms', 0, display);
  await waitUntil(() => phase.missingOnKafka === 0 && phase.alarmsUnconfirmed === 0, DRAIN_TIMEOUT_MS);
  progress.stop();
  return {
    ...figures,
    targetRate: options.rate,
    sent: phase.sent,
    missingOnKafka: phase.missingOnKafka,
    alarmsSent: phase.alarmsSent,
    alarmsUnconfirmed: phase.alarmsUnconfirmed,
    ingest: phase.ingest.summary(),
    alarm: phase.alarm.summary(),
    alarmStored: await alarmStoredLatency(run.databaseUrl, phase.alarmSentAt).catch(() => null),
  };
}

export async function runSaturationPhase(run: Run): Promise<SaturationResult> {
  const { options, load, progress } = run;
  const phase = new PhaseStats('saturation');
  const rampMs = Math.min(SATURATION_RAMP_MS, (options.saturationSeconds * 1000) / 4);
  const display = { phase, stored: run.stored, storedAtStart: await run.stored() };
  progress.start(`saturation, ${options.window} in flight`, options.saturationSeconds, display);
  const saturating = load.runSaturated(options.window, options.saturationSeconds, phase);
  await sleep(rampMs);
  const endWindow = await openWindow(run);
  await saturating;
  const figures = await endWindow();

  // Only Kafka is waited for: the response centre may be far behind, which storedRate shows.
  progress.start('saturation: waiting for the last events on Kafka', 0, display);
  await waitUntil(() => phase.missingOnKafka === 0, DRAIN_TIMEOUT_MS);
  progress.stop();
  return { ...figures, window: options.window, sent: phase.sent, missingOnKafka: phase.missingOnKafka };
}

/**
 * Starts a measured window: arrivals on Kafka, events stored, CPU and memory. Returns the
 * function that ends it and gives the figures. The database backends are re-read first: the
 * response centre's pool grows under load.
 */
async function openWindow(run: Run): Promise<() => Promise<WindowFigures>> {
  await run.backends?.refresh();
  const [arrivals, stored, snapshot, at] = [
    run.ledger.arrivals,
    await run.stored(),
    run.monitor.snapshot(),
    performance.now(),
  ];
  return async () => {
    const [arrivalsAfter, seconds] = [run.ledger.arrivals, (performance.now() - at) / 1000];
    const storedAfter = await run.stored();
    return {
      ingestRate: (arrivalsAfter - arrivals) / seconds,
      storedRate: stored === null || storedAfter === null ? null : (storedAfter - stored) / seconds,
      usage: run.monitor.usageSince(snapshot),
      machineBusyPercent: run.monitor.machineSince(snapshot).busyPercent,
    };
  };
}
