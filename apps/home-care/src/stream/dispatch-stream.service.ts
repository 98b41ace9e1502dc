import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { Gauge } from 'prom-client';
import { AccessLogService, Actor } from '@welfare/access';
import { InjectMetric } from '@welfare/platform';
import { teamScopeOf } from '../access/team-scope';
import { DispatchLogRepository } from '../dispatches/dispatch-log.repository';
import { DispatchQueriesService, toLogDto } from '../dispatches/dispatch-queries.service';
import type { DispatchStreamEventDto } from '../dispatches/dto/dispatch.dto';
import { HomeCareConfig } from '../home-care.config';
import { DispatchLogListener } from './dispatch-log-listener';
import { formatCursor, StreamCursor } from './stream-cursor';

const BATCH = 200;
/** A row held back by an older transaction still running is looked for again after this, doubling up to the poll interval. */
const FIRST_RECHECK_MS = 100;

interface StreamClient {
  actor: Actor;
  teamId: string;
  cursor: StreamCursor;
  res: Response;
  closed: boolean;
  /** Resolves when the connection closes (a write waiting for 'drain' gives up then). */
  gone: Promise<void>;
  pumping: Promise<void> | null;
  again: boolean;
  recheck: NodeJS.Timeout | null;
  recheckDelayMs: number;
}

/**
 * The nurses' live stream (Server-Sent Events): one `dispatch` event per dispatch-log row of
 * the nurse's team, in commit-safe order (DispatchLogRepository.after), each with the
 * dispatch's current summary; the event id is the stream position, so a client that comes back
 * with Last-Event-ID (or ?since=) gets exactly what it missed. Woken by NOTIFY from the
 * committing transaction, with polling as the fallback; a comment line every
 * DISPATCH_STREAM_HEARTBEAT_MS keeps idle connections open. Every event carries resident data,
 * so each delivered batch is access-logged before it is written. On shutdown every stream gets
 * a `shutdown` event and is ended (the page reconnects to another instance).
 */
@Injectable()
export class DispatchStreamService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DispatchStreamService.name);
  private readonly clients = new Set<StreamClient>();
  private readonly listener: DispatchLogListener;
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastFullWake = 0;
  private stopping = false;

  constructor(
    private readonly log: DispatchLogRepository,
    private readonly queries: DispatchQueriesService,
    private readonly accessLog: AccessLogService,
    private readonly config: HomeCareConfig,
    @InjectMetric('dispatch_streams_open') private readonly open: Gauge,
  ) {
    this.listener = new DispatchLogListener(config.DATABASE_URL, {
      notified: (teamId) => this.wakeTeam(teamId),
      connected: () => this.wakeAll(),
    });
  }

  onApplicationBootstrap(): void {
    this.listener.start();
    this.pollTimer = setInterval(() => this.poll(), this.config.DISPATCH_STREAM_POLL_MS);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.config.DISPATCH_STREAM_HEARTBEAT_MS);
  }

  /** Before the HTTP server and the database close: every stream ends cleanly, in-flight reads finish. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const pumps = [...this.clients].map((client) => client.pumping);
    for (const client of this.clients)
      this.close(client, 'event: shutdown\ndata: {"reason":"the service is stopping; reconnect"}\n\n');
    await Promise.allSettled(pumps);
    await this.listener.stop();
  }

  get openStreams(): number {
    return this.clients.size;
  }

  /** Starts a stream after `cursor` (null: from now on). Refusals happen before any byte is written, as JSON errors. */
  async start(actor: Actor, cursor: StreamCursor | null, req: Request, res: Response): Promise<void> {
    const teamId = teamScopeOf(actor).homeCareTeamId;
    if (this.stopping) throw new ServiceUnavailableException('the service is stopping; reconnect');
    if (this.clients.size >= this.config.DISPATCH_STREAM_MAX_CLIENTS)
      throw new ServiceUnavailableException('too many live streams on this instance; try again shortly');
    const start = cursor ?? (await this.log.horizon());
    let markGone!: () => void;
    const client: StreamClient = {
      actor,
      teamId,
      cursor: start,
      res,
      closed: false,
      gone: new Promise((resolve) => (markGone = resolve)),
      pumping: null,
      again: false,
      recheck: null,
      recheckDelayMs: FIRST_RECHECK_MS,
    };
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-store, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const ended = () => {
      if (!client.closed) this.close(client);
      markGone();
    };
    // The response's 'close' (not the request's, which fires once its body is read) means the connection went.
    res.on('close', ended);
    this.clients.add(client);
    this.open.set(this.clients.size);
    const position = formatCursor(start);
    res.write(`retry: 3000\nid: ${position}\nevent: ready\ndata: ${JSON.stringify({ cursor: position })}\n\n`);
    this.wake(client);
  }

  private wakeTeam(teamId: string): void {
    for (const client of this.clients) if (client.teamId === teamId) this.wake(client);
  }

  private wakeAll(): void {
    this.lastFullWake = Date.now();
    for (const client of this.clients) this.wake(client);
  }

  /** While NOTIFY works, a full sweep only now and then (a safety net); otherwise at every tick. */
  private poll(): void {
    if (this.listener.healthy && Date.now() - this.lastFullWake < this.config.DISPATCH_STREAM_HEARTBEAT_MS) return;
    this.wakeAll();
  }

  private heartbeat(): void {
    for (const client of this.clients) if (!client.closed) client.res.write(': keepalive\n\n');
  }

  /** One pump per client at a time; a wake during a pump runs it once more. */
  private wake(client: StreamClient): void {
    if (client.closed || this.stopping) return;
    if (client.pumping) {
      client.again = true;
      return;
    }
    client.pumping = this.pump(client).finally(() => (client.pumping = null));
  }

  private async pump(client: StreamClient): Promise<void> {
    try {
      let pending = false;
      do {
        client.again = false;
        for (;;) {
          const batch = await this.log.after(client.teamId, client.cursor, BATCH);
          if (client.closed) return;
          pending = batch.pending;
          if (batch.entries.length > 0) await this.deliver(client, batch.entries);
          if (client.closed || batch.entries.length < BATCH) break;
        }
      } while (client.again && !client.closed);
      this.scheduleRecheck(client, pending);
    } catch (error) {
      if (client.closed) return;
      this.logger.warn({ err: error, teamId: client.teamId }, 'live stream read failed; trying again shortly');
      this.scheduleRecheck(client, true);
    }
  }

  private async deliver(
    client: StreamClient,
    entries: Awaited<ReturnType<DispatchLogRepository['after']>>['entries'],
  ): Promise<void> {
    const current = await this.queries.summaries(
      client.actor,
      entries.map(({ entry }) => entry.dispatchId),
    );
    const reads = [...current.entries()].map(([id, { residentId }]) => ({
      action: 'dispatch.stream',
      resourceId: id,
      residentId,
    }));
    // No resident data leaves unlogged: if the log cannot be written, nothing is sent and the cursor stays.
    await this.accessLog.record(client.actor, reads);
    for (const { cursor, entry } of entries) {
      if (client.closed) return;
      const dispatch = current.get(entry.dispatchId);
      if (dispatch) {
        const position = formatCursor(cursor);
        const data: DispatchStreamEventDto = { cursor: position, entry: toLogDto(entry), dispatch: dispatch.summary };
        await this.write(client, `id: ${position}\nevent: dispatch\ndata: ${JSON.stringify(data)}\n\n`);
      }
      client.cursor = cursor;
    }
  }

  /** Waits for the socket to take more when its buffer is full (a slow phone), or for the connection to go. */
  private async write(client: StreamClient, chunk: string): Promise<void> {
    if (client.res.write(chunk)) return;
    await Promise.race([new Promise<void>((resolve) => client.res.once('drain', () => resolve())), client.gone]);
  }

  private scheduleRecheck(client: StreamClient, pending: boolean): void {
    if (client.recheck) clearTimeout(client.recheck);
    client.recheck = null;
    if (!pending || client.closed) {
      client.recheckDelayMs = FIRST_RECHECK_MS;
      return;
    }
    client.recheck = setTimeout(() => {
      client.recheck = null;
      this.wake(client);
    }, client.recheckDelayMs);
    client.recheckDelayMs = Math.min(client.recheckDelayMs * 2, this.config.DISPATCH_STREAM_POLL_MS);
  }

  private close(client: StreamClient, farewell?: string): void {
    if (client.closed) return;
    client.closed = true;
    if (client.recheck) clearTimeout(client.recheck);
    this.clients.delete(client);
    this.open.set(this.clients.size);
    if (!client.res.writableEnded) {
      if (farewell) client.res.write(farewell);
      client.res.end();
    }
  }
}
