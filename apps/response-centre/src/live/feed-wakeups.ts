import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { ResponseCentreConfig } from '../response-centre.config';

/** The channel the handling log's insert trigger notifies (migration HandlingLogFeed1764600000001). */
export const HANDLING_LOG_CHANNEL = 'alarm_handling_log';
const RECONNECT_DELAY_MS = 2000;
/**
 * Notifications within this window make one wake-up: under a burst of alarms every stream reads
 * at most this often, instead of once per committed step.
 */
const COALESCE_MS = 50;

/**
 * Tells live streams when to look for new handling-log steps. A trigger NOTIFYs on every
 * insert, delivered by PostgreSQL at commit to every instance that LISTENs, so a step written by
 * another response-centre instance wakes this one's streams too. A poll on an interval covers
 * what a notification cannot: the listening connection lost (and reconnecting), or PGlite, whose
 * NOTIFY stays on its own session. A wake-up only means "look": the feed decides what is new.
 */
@Injectable()
export class FeedWakeups implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FeedWakeups.name);
  private readonly listeners = new Set<() => void>();
  private client: pg.Client | null = null;
  private poll: NodeJS.Timeout | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private coalescing: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly config: ResponseCentreConfig) {}

  onApplicationBootstrap(): void {
    this.poll = setInterval(() => this.wakeAll(), this.config.STREAM_POLL_INTERVAL_MS);
    this.poll.unref();
    void this.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    if (this.reconnect) clearTimeout(this.reconnect);
    if (this.coalescing) clearTimeout(this.coalescing);
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  /** Calls `listener` on every wake-up until the returned function is called. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private wakeAll(): void {
    for (const listener of this.listeners) listener();
  }

  private notified(): void {
    this.coalescing ??= setTimeout(() => {
      this.coalescing = null;
      this.wakeAll();
    }, COALESCE_MS);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.config.DATABASE_URL,
      application_name: `${this.config.KAFKA_CLIENT_ID}-live-feed`,
      connectionTimeoutMillis: 5000,
    });
    client.on('notification', () => this.notified());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${HANDLING_LOG_CHANNEL}`);
      this.client = client;
      // Steps committed while no connection listened: look now rather than at the next poll.
      this.wakeAll();
    } catch (error) {
      this.lost(client, error);
    }
  }

  /** The listening connection failed: streams go on by polling until it is back. */
  private lost(client: pg.Client, error?: unknown): void {
    if (this.client === client) this.client = null;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped || this.reconnect) return;
    this.logger.warn(
      { err: error },
      `live feed: LISTEN connection lost; polling every ${this.config.STREAM_POLL_INTERVAL_MS} ms until it is back`,
    );
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      void this.listen();
    }, RECONNECT_DELAY_MS);
    this.reconnect.unref();
  }
}
