import { Inject, Injectable } from '@nestjs/common';

/** The longest a telemetry batch holds back for the alarm lane (heartbeats must still get in: silence). */
export const TELEMETRY_YIELD_MAX_MS = Symbol('TELEMETRY_YIELD_MAX_MS');

/**
 * Alarms first inside the response centre. The two lanes have consumers of their own, but they
 * share this process, its database connections and the machine's CPU: under load a 500-event
 * telemetry transaction and an alarm's handful of statements compete for the same cores, and an
 * alarm's statements each wait their turn. So a telemetry batch does not start while an
 * alarm-lane batch is being stored: it waits for the alarm batches under way when it asked, at
 * most TELEMETRY_YIELD_MAX_MS. Alarm batches that start after it asked do not make it wait
 * longer: when alarms never stop (a benchmark's mix, a region's devices reconnecting), telemetry
 * still takes turns, since a device heard from late would be taken for silent. A telemetry batch
 * already under way finishes: it is not interrupted, only not started.
 */
@Injectable()
export class AlarmLanePriority {
  private readonly alarmBatches = new Set<Promise<unknown>>();

  constructor(@Inject(TELEMETRY_YIELD_MAX_MS) private readonly maxYieldMs: number) {}

  /** Alarm-lane batches being stored now. */
  get alarmsInProgress(): number {
    return this.alarmBatches.size;
  }

  /** Runs an alarm-lane batch; telemetry batches asking meanwhile start after it. */
  async alarmBatch<T>(work: () => Promise<T>): Promise<T> {
    const batch = work();
    this.alarmBatches.add(batch);
    try {
      return await batch;
    } finally {
      this.alarmBatches.delete(batch);
    }
  }

  /** Runs a telemetry batch once the alarm batches under way have finished, or once it has waited the most it may. */
  async telemetryBatch<T>(work: () => Promise<T>): Promise<T> {
    if (this.alarmBatches.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const longest = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.maxYieldMs)));
      await Promise.race([Promise.allSettled([...this.alarmBatches]), longest]);
      clearTimeout(timer);
    }
    return work();
  }
}
