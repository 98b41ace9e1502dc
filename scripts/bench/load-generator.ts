/**
 * Drives the device fleet: at a fixed rate (open loop: events go out on schedule whether or
 * not the system keeps up, so queueing shows up as latency), or saturated (closed loop: a
 * fixed number of events in flight, topped up as they reach Kafka, so the rate is what the
 * pipeline sustains without the broker dropping messages).
 */
import { performance } from 'node:perf_hooks';
import { DeviceEventType } from '@welfare/contracts';
import { DeviceFleet } from './device-fleet';
import { EventLedger, PhaseStats } from './event-ledger';
import { buildEvent, MixCycle, MixEntry, opensAlarm } from './event-mix';

/** Scheduler tick: at 1,000 events/s, bursts of about five events. */
const TICK_MS = 5;

export class LoadGenerator {
  private readonly cycle: MixCycle;
  private sequence = 0;

  constructor(
    private readonly fleet: DeviceFleet,
    private readonly ledger: EventLedger,
    mix: MixEntry[],
    /** Prefix of event ids: unique to this run, so other traffic on the broker is not counted. */
    private readonly runTag: string,
  ) {
    this.cycle = new MixCycle(mix);
  }

  /** The sending devices' connections that are up. */
  get connectedDevices(): number {
    return this.fleet.connected;
  }

  /** Publishes the broker refused or could not take (connection lost). */
  get publishErrors(): number {
    return this.fleet.publishErrors;
  }

  /**
   * One event of the next type in the mix (or `type`), on the next device. `scheduledAt` is
   * when it was due (monotonic ms; now when omitted): its latencies count from there.
   */
  sendOne(phase: PhaseStats, type: DeviceEventType = this.cycle.next(), scheduledAt = performance.now()): void {
    const n = this.sequence++;
    const eventId = `${this.runTag}.${n}`;
    const payload = JSON.stringify(buildEvent(type, eventId, n));
    this.ledger.sent(eventId, n, opensAlarm(type), phase, scheduledAt);
    this.fleet.publishNext(payload);
  }

  /**
   * Sends `rate` events/s for `seconds` (rounded to whole events), catching up after a late
   * tick instead of drifting. Event i is due at start + i / rate: a late tick's events keep
   * that scheduled time, so a stall of the generator shows up as latency (no coordinated
   * omission). Resolves when every event is sent.
   */
  runAtRate(rate: number, seconds: number, phase: PhaseStats): Promise<void> {
    const start = performance.now();
    const total = Math.round(rate * seconds);
    const intervalMs = 1000 / rate;
    let sent = 0;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
        for (; sent < due; sent++) this.sendOne(phase, this.cycle.next(), start + sent * intervalMs);
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
  }

  /**
   * Keeps `window` events of this phase in flight (sent, not yet on Kafka) for `seconds`. A
   * closed loop has no schedule: each event counts from when it was sent.
   */
  async runSaturated(window: number, seconds: number, phase: PhaseStats): Promise<void> {
    let running = true;
    const topUp = (): void => {
      while (running && phase.missingOnKafka < window) this.sendOne(phase);
    };
    this.ledger.onArrivals = topUp;
    topUp();
    await sleep(seconds * 1000);
    running = false;
    this.ledger.onArrivals = null;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` until it holds or `timeoutMs` passed; true when it held. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}
