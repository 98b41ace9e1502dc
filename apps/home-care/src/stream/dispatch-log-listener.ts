import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DISPATCH_LOG_CHANNEL } from '../dispatches/dispatch-log.repository';

export interface ListenerEvents {
  /** A transaction that wrote the team's dispatch log committed. */
  notified(homeCareTeamId: string): void;
  /** (Re)connected: notifications sent while we were away are lost, so everyone should look. */
  connected(): void;
}

/**
 * LISTENs for committed dispatch-log rows on a connection of its own (outside the pool, which
 * could hand the LISTEN to another caller), reconnecting with back-off. While it is down the
 * streams fall back to polling. PGlite's single shared session never delivers a NOTIFY to
 * another connection, so there it does not listen at all.
 */
export class DispatchLogListener {
  private readonly logger = new Logger(DispatchLogListener.name);
  private client: Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 500;
  private stopped = false;
  private listening = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly events: ListenerEvents,
  ) {}

  get healthy(): boolean {
    return this.listening;
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listening = false;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: 'home-care-listen',
      connectionTimeoutMillis: 5000,
    });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === DISPATCH_LOG_CHANNEL && message.payload) this.events.notified(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      const [{ version }] = (await client.query<{ version: string }>('SELECT version() AS version')).rows;
      if (version.includes('PGlite')) {
        this.logger.warn('embedded PGlite delivers no NOTIFY to another connection: the live stream polls instead');
        this.stopped = true;
        await client.end();
        return;
      }
      await client.query(`LISTEN ${DISPATCH_LOG_CHANNEL}`);
      this.listening = true;
      this.retryDelayMs = 500;
      this.events.connected();
    } catch (error) {
      this.lost(client, error);
    }
  }

  private lost(client: Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    this.listening = false;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(
      { err: error },
      `LISTEN connection lost; live streams poll until it is back (retry in ${this.retryDelayMs} ms)`,
    );
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelayMs);
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 10_000);
  }
}
