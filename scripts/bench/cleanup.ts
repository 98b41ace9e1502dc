/**
 * Everything the benchmark started, stopped in reverse order at the end, on error and on
 * Ctrl-C. A step that fails or hangs is reported and does not keep the others from running.
 */
import { withTimeout } from '@welfare/platform/time/with-timeout';

const STEP_TIMEOUT_MS = 40_000;

interface Step {
  name: string;
  run: () => Promise<void>;
}

export class Cleanup {
  private readonly steps: Step[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly log: (message: string) => void) {}

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** Runs every step once, newest first; later calls wait for the same run. */
  runAll(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  /** Ctrl-C or SIGTERM: clean up, then exit; a second signal exits at once. */
  exitOnSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.log(`${signal}: stopping everything (again to exit at once)`);
        process.once(signal, () => process.exit(130));
        void this.runAll().finally(() => process.exit(130));
      });
    }
  }

  private async runSteps(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await withTimeout(step.run(), STEP_TIMEOUT_MS, `no end after ${STEP_TIMEOUT_MS / 1000} s`);
      } catch (error) {
        this.log(`cleanup: ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
