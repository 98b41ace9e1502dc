import { Inject, Injectable } from '@nestjs/common';

/** The longest a telemetry batch holds back for the alarm lane (heartbeats must still get in: silence). */
export const TELEMETRY_YIELD_MAX_MS = Symbol('TELEMETRY_YIELD_MAX_MS');

/**
 * Alarms first inside the response centre. The two lanes have consumers of their own, but they
 * share this process, its database connections and the machine's CPU: under load a 500-event
 * telemetry transaction and an alarm's handful of statements compete for the same cores, and an
 * alarm's statements each wait their turn. So a telemetry batch does not start while an
 * alarm-lane batch is being stored; it waits until the alarm lane is idle, or at most
 * TELEMETRY_YIELD_MAX_MS (telemetry still gets in when alarms never stop, since a device heard
 * from late would be taken for silent). A telemetry batch already under way finishes: it is not
 * interrupted, only not started.
 */
@Injectable()
export class AlarmLanePriority {
  private alarmBatches = 0;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(@Inject(TELEMETRY_YIELD_MAX_MS) private readonly maxYieldMs: number) {}

  /** Alarm-lane batches being stored now. */
  get alarmsInProgress(): number {
    return this.alarmBatches;
  }

  /** Runs an alarm-lane batch; telemetry batches do not start meanwhile. */
  async alarmBatch<T>(work: () => Promise<T>): Promise<T> {
    if (this.alarmBatches++ === 0) this.idle = new Promise((resolve) => (this.markIdle = resolve));
    try {
      return await work();
    } finally {
      if (--this.alarmBatches === 0) this.markIdle();
    }
  }

  /** Runs a telemetry batch once the alarm lane is idle, or once it has waited the most it may. */
  async telemetryBatch<T>(work: () => Promise<T>): Promise<T> {
    if (this.alarmBatches > 0) {
      let timer: NodeJS.Timeout | undefined;
      const longest = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.maxYieldMs)));
      await Promise.race([this.idle, longest]);
      clearTimeout(timer);
    }
    return work();
  }
}
