import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';

/** Thrown when a view could not confirm it has read its topic to the end in time. */
export class TopicViewBehindError extends Error {
  override name = 'TopicViewBehindError';
}

export interface TopicViewOptions {
  topic: string;
  /** Prefix of the view's consumer group; a random suffix makes a group of its own per start. */
  groupPrefix: string;
  /** Takes one record into the view (the view's writer is trusted: a record it cannot read is its to log). */
  apply(message: KafkaMessage, partition: number): void;
  /** Called after each batch, e.g. to set a size gauge. */
  afterBatch?(): void;
  /** The error a catch-up that ran out of time rejects with (a caller may catch its own type). */
  behind?(message: string): Error;
  logger: Logger;
}

interface CatchUp {
  /** When the topic's end offsets were asked for: the view then knows everything written before. */
  startedAt: number;
  done: Promise<void>;
}

/**
 * An in-memory view of a (compacted) topic, rebuilt from its beginning at every start: a consumer
 * group of its own per process start, nothing committed. `start` resolves once the view has read
 * up to the topic's end as it was then; `readToEndSince` lets a caller that meets something the
 * view does not know wait (bounded) until the view has read everything written before a moment,
 * sharing one catch-up between callers. Used by the ingestor's and the SCAIP gateway's views of
 * the registry's devices, and by the gateway's memory of its units' alarms.
 */
export class TopicView {
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, number>();
  private readonly waiters = new Set<() => void>();
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private catchUp: CatchUp | null = null;
  private crashed: string | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TopicViewOptions,
  ) {}

  /** Null while the view's consumer runs; why it stopped for good otherwise. */
  get failure(): string | null {
    return this.crashed;
  }

  /** Starts reading and resolves once the view has read to the topic's end as it was at the start. */
  async start(timeoutMs: number): Promise<void> {
    const { logger, topic } = this.options;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const consumer = this.kafka.consumer({
      groupId: `${this.options.groupPrefix}.${randomUUID()}`,
      allowAutoTopicCreation: false,
      // A stop waits for the fetch in progress; on a quiet topic that is the whole wait (default 5 s).
      maxWaitTimeInMs: 500,
      retry: { retries: 15, initialRetryTime: 300, maxRetryTime: 2000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) logger.warn({ err: payload.error, restart: true, topic }, 'view consumer restarting');
      else logger.error({ err: payload.error, restart: false, topic }, 'view consumer crashed');
      if (!payload.restart) this.crashed = `${payload.error.name}: ${payload.error.message}`;
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (batch) => this.onBatch(batch) });
    await this.readToEnd(timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.consumer?.disconnect(), this.admin?.disconnect()]);
  }

  /** Resolves once the view has read everything written before `since` (ms); shares a catch-up begun at or after it. */
  readToEndSince(since: number, timeoutMs: number): Promise<void> {
    if (this.catchUp && this.catchUp.startedAt >= since) return this.catchUp.done;
    return this.readToEnd(timeoutMs);
  }

  /** Resolves once the view has read to the topic's end as it is now. */
  readToEnd(timeoutMs: number): Promise<void> {
    const startedAt = Date.now();
    const done = this.untilPositions(timeoutMs);
    const catchUp = { startedAt, done };
    this.catchUp = catchUp;
    void done.catch(() => {
      if (this.catchUp === catchUp) this.catchUp = null;
    });
    return done;
  }

  private async untilPositions(timeoutMs: number): Promise<void> {
    const { topic } = this.options;
    const deadline = Date.now() + timeoutMs;
    const message = `the view did not read ${topic} to its end within ${timeoutMs} ms`;
    const behind = () => this.options.behind?.(message) ?? new TopicViewBehindError(message);
    const ends = await withDeadline(this.admin!.fetchTopicOffsets(topic), deadline, behind);
    for (const { partition, low } of ends)
      if (!this.positions.has(partition)) this.positions.set(partition, Number(low));
    const reached = () => ends.every(({ partition, high }) => (this.positions.get(partition) ?? 0) >= Number(high));
    while (!reached()) {
      if (this.crashed) throw behind();
      await withDeadline(new Promise<void>((resolve) => this.waiters.add(resolve)), deadline, behind);
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      this.options.apply(message, batch.partition);
      resolveOffset(message.offset);
    }
    const next = Number(batch.lastOffset()) + 1;
    if (next > (this.positions.get(batch.partition) ?? 0)) this.positions.set(batch.partition, next);
    this.options.afterBatch?.();
    for (const wake of [...this.waiters]) {
      this.waiters.delete(wake);
      wake();
    }
    await heartbeat();
  }
}

async function withDeadline<T>(work: Promise<T>, deadline: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(error()), Math.max(0, deadline - Date.now()))),
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
