import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { KafkaProducerService } from '@welfare/kafka';

/** How a service's relay runs; provided by the app under OUTBOX_RELAY_OPTIONS. */
export interface OutboxRelayOptions {
  /** Sweep for rows not yet sent (a commit also wakes the relay at once). */
  pollIntervalMs: number;
  /**
   * Relay from one instance at a time, under this PostgreSQL advisory-lock key. Needed where
   * the last record per key wins (a compacted topic): two relays sending side by side could
   * put an older record last. Without it, instances share the rows (SKIP LOCKED).
   */
  exclusiveLockKey?: number;
}

export const OUTBOX_RELAY_OPTIONS = Symbol('OUTBOX_RELAY_OPTIONS');

const BATCH_SIZE = 200;

interface PendingRow {
  id: string;
  topic: string;
  message_key: string;
  payload: string;
}

/**
 * Sends outbox rows to Kafka in id order and deletes them in the same transaction, only once
 * Kafka has acknowledged them. Woken right after a commit, and swept on an interval for rows
 * left by a crash or by another instance. Rows are locked with SKIP LOCKED, so two instances
 * never send the same row at once; a crash after send and before delete re-sends it
 * (at-least-once: consumers are idempotent, by alarm id or by revision).
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private drainAgain = false;
  private stopped = false;
  private lastFailureLogged = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly producer: KafkaProducerService,
    @Inject(OUTBOX_RELAY_OPTIONS) private readonly options: OutboxRelayOptions,
    @InjectMetric('outbox_messages_sent_total') private readonly sent: Counter,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.drain(), this.options.pollIntervalMs);
    void this.drain();
  }

  /** Asks for a drain now; concurrent calls fold into one running drain plus one more pass. */
  drain(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = this.drainLoop().finally(() => (this.draining = null));
    return this.draining;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.draining;
    await this.drain();
    this.stopped = true;
    this.logger.log('outbox relay stopped');
  }

  private async drainLoop(): Promise<void> {
    try {
      do {
        this.drainAgain = false;
        while ((await this.relayBatch()) === BATCH_SIZE);
      } while (this.drainAgain);
    } catch (error) {
      // Kafka or the database is away: the rows stay, and the next sweep tries again.
      if (Date.now() - this.lastFailureLogged > 10_000) {
        this.lastFailureLogged = Date.now();
        this.logger.warn({ err: error }, 'outbox relay failed; will retry');
      }
    }
  }

  private async relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.mayRelay(manager))) return 0;
      const rows: PendingRow[] = await manager.query(
        `SELECT id, topic, message_key, payload FROM outbox_messages ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH_SIZE],
      );
      if (rows.length === 0) return 0;
      await this.send(rows);
      await this.remove(manager, rows);
      this.sent.inc(rows.length);
      return rows.length;
    });
  }

  /** With an exclusive lock key: only while this transaction holds it (another instance relays). */
  private async mayRelay(manager: EntityManager): Promise<boolean> {
    if (this.options.exclusiveLockKey === undefined) return true;
    const [{ locked }]: { locked: boolean }[] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      this.options.exclusiveLockKey,
    ]);
    return locked;
  }

  /** Sends runs of rows per topic, keeping their order. */
  private async send(rows: PendingRow[]): Promise<void> {
    let start = 0;
    while (start < rows.length) {
      let end = start;
      while (end < rows.length && rows[end].topic === rows[start].topic) end++;
      const run = rows.slice(start, end);
      await this.producer.send(
        rows[start].topic,
        run.map((row) => ({ key: row.message_key, value: Buffer.from(row.payload, 'utf8') })),
      );
      start = end;
    }
  }

  private async remove(manager: EntityManager, rows: PendingRow[]): Promise<void> {
    await manager.query(`DELETE FROM outbox_messages WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
  }
}
