/**
 * Which of a phase's events the response centre has stored, read from its database: one row
 * per event in `device_events` (unique per device and event id), with `stored_at` stamped in
 * the storing transaction on this machine's clock. A phase's events are those with its
 * sequence numbers (ids `${tag}.${seq}`), so a phase counts only its own events, never the
 * late ones of the phase before it.
 *
 * The connection has an application_name of its own, so the CPU of its backend is not counted
 * as the response centre's database work (PostgresBackends leaves it out).
 */
import { Client } from 'pg';
import { PhaseStats } from './event-ledger';

export const BENCH_APPLICATION_NAME = 'welfare-bench';

export interface StoredCount {
  /** The phase's events stored so far. */
  stored: number;
  /** Of those, stored within the window asked for (0 when none was asked for). */
  inWindow: number;
}

export class StoredEvents {
  private constructor(
    private readonly client: Client,
    private readonly tag: string,
  ) {}

  static async open(databaseUrl: string, tag: string): Promise<StoredEvents> {
    const client = new Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: 5000,
      application_name: BENCH_APPLICATION_NAME,
    });
    client.on('error', () => undefined);
    await client.connect();
    return new StoredEvents(client, tag);
  }

  /** `window`: wall-clock ms, [from, to). */
  async count(phase: PhaseStats, window?: { fromMs: number; toMs: number }): Promise<StoredCount> {
    if (phase.firstSeq < 0) return { stored: 0, inWindow: 0 };
    const { rows } = await this.client.query<{ stored: number; in_window: number }>(
      `SELECT count(*)::int AS stored,
              count(*) FILTER (WHERE stored_at >= $4 AND stored_at < $5)::int AS in_window
         FROM device_events
        WHERE event_id LIKE $1 AND split_part(event_id, '.', 2)::bigint BETWEEN $2 AND $3`,
      [`${this.tag}.%`, phase.firstSeq, phase.lastSeq, new Date(window?.fromMs ?? 0), new Date(window?.toMs ?? 0)],
    );
    return { stored: rows[0].stored, inWindow: rows[0].in_window };
  }

  /**
   * Every event of the run (any phase) stored within the window: what the response centre
   * got through while busy, for the capacity figure of the saturation phase.
   */
  async countRun(window: { fromMs: number; toMs: number }): Promise<number> {
    const { rows } = await this.client.query<{ in_window: number }>(
      `SELECT count(*)::int AS in_window FROM device_events
        WHERE event_id LIKE $1 AND stored_at >= $2 AND stored_at < $3`,
      [`${this.tag}.%`, new Date(window.fromMs), new Date(window.toMs)],
    );
    return rows[0].in_window;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
