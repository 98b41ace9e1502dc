import {
  BadRequestException,
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource, In } from 'typeorm';
import { AccessLogService, Actor } from '@welfare/access';
import { Clock } from '@welfare/platform';
import { CentreScope, centreScopeOf } from '../access/centre-scope';
import { Alarm } from '../alarms/alarm.entity';
import { residentsOf, toAlarmSummary } from '../alarms/alarm-summary';
import { PositionsRepository } from '../resident-rules/positions.repository';
import type { AlarmSummaryDto } from '../alarms/dto/alarm.dto';
import { DispatchesRepository } from '../dispatch/dispatches.repository';
import { ResponseCentreConfig } from '../response-centre.config';
import { FeedCursor, formatCursor, laterCursor, parseCursor } from './feed-cursor';
import { FeedWakeups } from './feed-wakeups';
import { FeedStep, HandlingLogFeed } from './handling-log-feed';

const PAGE = 200;
/** First wait before looking again for steps held back behind a running transaction; doubles up to the poll interval. */
const HELD_BACK_RETRY_MS = 100;

/** One operator's open stream and how far it has been sent. */
interface OpenStream {
  scope: CentreScope;
  cursor: FeedCursor;
  response: Response;
  /** The running send loop, if any; a wake-up while it runs asks it for one more pass. */
  sending: Promise<void> | null;
  again: boolean;
  /** `ready` goes out once, after the first catch-up. */
  ready: boolean;
  closed: boolean;
  /** A look again at held-back steps, when one is due, and the wait before the next one. */
  retry: NodeJS.Timeout | null;
  retryDelayMs: number;
  unsubscribe: () => void;
}

/** What one SSE `step` event carries. */
export interface StreamStepEvent {
  cursor: string;
  alarmId: string;
  step: string;
  at: string;
  actor: { kind: string; id: string };
  details: Record<string, unknown>;
  /** The alarm as it is now (not as it was at the step). */
  alarm: AlarmSummaryDto | null;
}

/**
 * Operators' live streams (Server-Sent Events) of the handling log of their centre's alarms.
 * A stream first sends everything after the client's cursor (Last-Event-ID, or ?since=), then
 * `event: ready` (caught up), then each step as it commits. Each `step` event's `id:` is its
 * cursor, so a client that reconnects with the last id it saw misses nothing and gets nothing
 * twice. Without a cursor a stream starts at "now". Steps are read by the commit-safe feed,
 * per stream, when the database notifies a commit or the poll comes round.
 */
@Injectable()
export class AlarmStreams implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AlarmStreams.name);
  private readonly streams = new Set<OpenStream>();
  private heartbeat: NodeJS.Timeout | null = null;
  private closing = false;
  private lastFailureLogged = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly feed: HandlingLogFeed,
    private readonly wakeups: FeedWakeups,
    private readonly dispatches: DispatchesRepository,
    private readonly positions: PositionsRepository,
    private readonly accessLog: AccessLogService,
    private readonly config: ResponseCentreConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.heartbeat = setInterval(() => this.beat(), this.config.STREAM_HEARTBEAT_SECONDS * 1000);
    this.heartbeat.unref();
  }

  /** Ends every stream so the HTTP server can close; clients reconnect to another instance with their cursor. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const stream of [...this.streams]) this.close(stream);
  }

  get openCount(): number {
    return this.streams.size;
  }

  /**
   * Opens the caller's stream on the response. Refusals (no centre, a bad cursor, shutting down)
   * are thrown before anything is written, and answered as JSON like any other error.
   */
  async open(actor: Actor, request: Request, response: Response, since: string | undefined): Promise<void> {
    const scope = centreScopeOf(actor);
    const requested = requestedCursor(request, since);
    if (this.closing)
      throw new ServiceUnavailableException('the service is shutting down; reconnect with your last event id');
    // The stream carries handling details (notes, visit reports): who opened one is logged, like a detail read.
    await this.accessLog.record(actor, [
      { action: 'alarm-stream.open', resourceId: scope.responseCentreId, residentId: null },
    ]);
    const cursor = requested ?? (await this.feed.now());
    startEventStream(response);
    const stream: OpenStream = {
      scope,
      cursor,
      response,
      sending: null,
      again: false,
      ready: false,
      closed: false,
      retry: null,
      retryDelayMs: HELD_BACK_RETRY_MS,
      unsubscribe: () => undefined,
    };
    this.streams.add(stream);
    stream.unsubscribe = this.wakeups.subscribe(() => void this.send(stream));
    // The response closes when the client goes away (or the stream is ended here).
    response.on('close', () => this.close(stream));
    response.on('error', () => this.close(stream));
    await this.send(stream);
  }

  /** Sends what is new; a wake-up during a send makes the running loop go round once more. */
  private send(stream: OpenStream): Promise<void> {
    if (stream.closed) return Promise.resolve();
    if (stream.sending) {
      stream.again = true;
      return stream.sending;
    }
    stream.sending = this.sendLoop(stream)
      .catch((error: unknown) => this.sendFailed(error))
      .finally(() => (stream.sending = null));
    return stream.sending;
  }

  private async sendLoop(stream: OpenStream): Promise<void> {
    let heldBack: boolean;
    do {
      stream.again = false;
      heldBack = await this.sendCaughtUp(stream);
      if (!stream.ready && !stream.closed) {
        stream.ready = true;
        await write(
          stream,
          `id: ${formatCursor(stream.cursor)}\nevent: ready\ndata: ${JSON.stringify({ cursor: formatCursor(stream.cursor) })}\n\n`,
        );
      }
    } while (stream.again && !stream.closed);
    this.lookAgainIf(stream, heldBack);
  }

  /** Sends page after page up to the feed's horizon; true when steps wait behind a running transaction. */
  private async sendCaughtUp(stream: OpenStream): Promise<boolean> {
    for (;;) {
      const page = await this.feed.after(stream.scope, stream.cursor, PAGE);
      if (page.steps.length > 0) await this.sendSteps(stream, page.steps);
      if (stream.closed) return false;
      if (page.steps.length < PAGE) {
        // Everything before the horizon is read: other centres' steps there need no second look.
        stream.cursor = laterCursor(stream.cursor, page.horizon);
        return page.heldBack;
      }
    }
  }

  /**
   * Steps held back behind a transaction that writes no step of its own would wait for the next
   * notification or poll: look again soon, backing off while that transaction runs on.
   */
  private lookAgainIf(stream: OpenStream, heldBack: boolean): void {
    if (!heldBack || stream.closed) {
      stream.retryDelayMs = HELD_BACK_RETRY_MS;
      return;
    }
    if (stream.retry) return;
    stream.retry = setTimeout(() => {
      stream.retry = null;
      void this.send(stream);
    }, stream.retryDelayMs);
    stream.retryDelayMs = Math.min(stream.retryDelayMs * 2, this.config.STREAM_POLL_INTERVAL_MS);
  }

  /** One write per page; the cursor moves only once the page is handed to the socket. */
  private async sendSteps(stream: OpenStream, steps: FeedStep[]): Promise<void> {
    const summaries = await this.summaries([...new Set(steps.map((step) => step.alarmId))]);
    const text = steps.map((step) => formatStep(step, summaries.get(step.alarmId) ?? null)).join('');
    await write(stream, text);
    stream.cursor = steps[steps.length - 1].cursor;
  }

  private async summaries(alarmIds: string[]): Promise<Map<string, AlarmSummaryDto>> {
    const alarms = await this.dataSource.manager.findBy(Alarm, { id: In(alarmIds) });
    const [dispatches, positions] = await Promise.all([
      this.dispatches.latestFor(alarmIds),
      this.positions.latestOfResidents(residentsOf(alarms)),
    ]);
    const now = this.clock.now();
    return new Map(
      alarms.map((alarm) => [
        alarm.id,
        toAlarmSummary(alarm, dispatches.get(alarm.id) ?? null, positions.get(alarm.residentId ?? '') ?? null, now),
      ]),
    );
  }

  /** The database is away: the stream stays open at its cursor, and the next wake-up or poll tries again. */
  private sendFailed(error: unknown): void {
    if (Date.now() - this.lastFailureLogged < 10_000) return;
    this.lastFailureLogged = Date.now();
    this.logger.warn({ err: error }, 'live stream: reading the handling log failed; will retry');
  }

  /** A comment line: keeps proxies and the client's idle timers from closing a quiet stream. */
  private beat(): void {
    for (const stream of this.streams)
      if (!stream.closed && !stream.response.writableNeedDrain) stream.response.write(': heartbeat\n\n');
  }

  private close(stream: OpenStream): void {
    if (stream.closed) return;
    stream.closed = true;
    if (stream.retry) clearTimeout(stream.retry);
    stream.unsubscribe();
    this.streams.delete(stream);
    if (!stream.response.writableEnded) stream.response.end();
  }
}

/** Last-Event-ID (a reconnecting client) wins over ?since= (a client that kept its own cursor). */
function requestedCursor(request: Request, since: string | undefined): FeedCursor | null {
  const header = request.headers['last-event-id'];
  const text = (Array.isArray(header) ? header[0] : header) ?? since;
  if (text === undefined || text === '') return null;
  const cursor = parseCursor(text);
  if (!cursor)
    throw new BadRequestException(
      'the cursor (Last-Event-ID or since) must look like "734.12": the id of an event this stream sent',
    );
  return cursor;
}

function startEventStream(response: Response): void {
  response.status(200);
  response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  response.setHeader('Cache-Control', 'no-cache, no-transform');
  response.setHeader('Connection', 'keep-alive');
  // nginx and similar proxies would otherwise buffer the stream.
  response.setHeader('X-Accel-Buffering', 'no');
  response.flushHeaders();
  response.socket?.setNoDelay(true);
  response.write(': stream open\n\n');
}

function formatStep(step: FeedStep, alarm: AlarmSummaryDto | null): string {
  const cursor = formatCursor(step.cursor);
  const event: StreamStepEvent = {
    cursor,
    alarmId: step.alarmId,
    step: step.step,
    at: step.at.toISOString(),
    actor: { kind: step.actorKind, id: step.actorId },
    details: step.details,
    alarm,
  };
  // JSON.stringify writes no raw line breaks, so the data stays on one SSE line.
  return `id: ${cursor}\nevent: step\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Resolves when the socket took the text (or the client went away): a slow client slows only its own stream. */
function write(stream: OpenStream, text: string): Promise<void> {
  if (stream.closed) return Promise.resolve();
  if (stream.response.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.response.off('drain', done);
      stream.response.off('close', done);
      resolve();
    };
    stream.response.on('drain', done);
    stream.response.on('close', done);
  });
}
