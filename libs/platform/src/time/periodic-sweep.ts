import type { Logger } from '@nestjs/common';

/**
 * A periodic sweep (escalations, silent devices, door watches, dispatch deadlines) run at most
 * once at a time per instance: a tick that comes while the last sweep still runs joins it. A
 * failed sweep is logged and the next tick tries again, so one database hiccup stops nothing.
 */
export class PeriodicSweep {
  private running: Promise<number> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  run(sweep: () => Promise<number>): Promise<number> {
    this.running ??= sweep()
      .catch((error: unknown) => {
        this.logger.error({ err: error }, `${this.what} failed; retrying on the next tick`);
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  /** The sweep under way, if any (to let it finish before shutting down). */
  get current(): Promise<number> | null {
    return this.running;
  }
}
