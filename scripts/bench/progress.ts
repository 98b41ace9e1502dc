/**
 * A live line on stderr, once a second: sent, on Kafka, stored, alarms confirmed, with rates.
 * Redrawn in place on a terminal; one line per second otherwise (logs, CI).
 */
import { performance } from 'node:perf_hooks';
import { PhaseStats } from './event-ledger';

/** A log line on stderr, kept apart from the summary on stdout. */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export interface ProgressSource {
  phase: PhaseStats;
  /** Events the response centre has stored so far (all phases), or null when unknown. */
  stored: () => Promise<number | null>;
  /** stored() when the phase began: the display counts from there. */
  storedAtStart: number | null;
}

export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private readonly tty = process.stderr.isTTY === true;

  /** Starts the display for one phase; `seconds` is its planned length (0 when open-ended). */
  start(label: string, seconds: number, source: ProgressSource): void {
    this.stop();
    const startedAt = performance.now();
    const { phase, storedAtStart } = source;
    let last = { at: startedAt, sent: phase.sent, onKafka: phase.onKafka, stored: null as number | null };
    let drawing = false;
    const timer = setInterval(() => {
      if (drawing) return;
      drawing = true;
      void source
        .stored()
        .catch(() => null)
        .then((stored) => {
          drawing = false;
          if (this.timer !== timer) return; // stopped while scraping
          const now = performance.now();
          const perSecond = (count: number, before: number): string =>
            `${Math.round(((count - before) * 1000) / (now - last.at))}/s`;
          const elapsed = `${Math.round((now - startedAt) / 1000)}s${seconds > 0 ? `/${seconds}s` : ''}`;
          const storedText =
            stored === null || storedAtStart === null
              ? 'n/a'
              : `${stored - storedAtStart} (${last.stored === null ? '-' : perSecond(stored, last.stored)})`;
          this.draw(
            `[${label}] ${elapsed}  sent ${phase.sent} (${perSecond(phase.sent, last.sent)})  ` +
              `on Kafka ${phase.onKafka} (${perSecond(phase.onKafka, last.onKafka)})  stored ${storedText}  ` +
              `alarms confirmed ${phase.alarmsConfirmed}/${phase.alarmsSent}`,
          );
          last = { at: now, sent: phase.sent, onKafka: phase.onKafka, stored };
        });
    }, 1000);
    this.timer = timer;
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    if (this.tty) process.stderr.write('\n');
  }

  private draw(line: string): void {
    process.stderr.write(this.tty ? `\r\x1b[K${line}` : `${line}\n`);
  }
}
