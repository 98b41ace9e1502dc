import { Logger } from '@nestjs/common';
import { Consumer, EachBatchPayload, EachMessagePayload, Kafka } from 'kafkajs';
import { ConsumedRecord, PoisonRecordError } from './consumed-record';
import type { DeadLetterWriter } from './dead-letter-writer';

export interface ManagedConsumerOptions {
  groupId: string;
  topics: string[];
  /** One record at a time: its offset is committed once this resolves. */
  handle?: (record: ConsumedRecord) => Promise<void>;
  /**
   * A chunk of a partition's records at a time (in offset order, at most `maxBatchSize`): the
   * handler stores them in one transaction, and the chunk's offsets are committed once it
   * resolves. A chunk that fails for other than a transient cause is retried one record at a
   * time, so only the record at fault is dead-lettered. Exactly one of handle / handleBatch.
   */
  handleBatch?: (records: ConsumedRecord[]) => Promise<void>;
  /** Records per handleBatch call (default 500). */
  maxBatchSize?: number;
  /** Called after a record was dead-lettered (for metrics). */
  onDeadLetter?: (reason: string) => void;
  /** Errors that will pass by themselves (database or broker away): retried for as long as it takes. */
  isTransient: (error: unknown) => boolean;
  /** Attempts for other errors before the record is dead-lettered. */
  maxAttempts?: number;
  sessionTimeoutMs?: number;
  /**
   * Partitions processed at the same time (default 1). Order holds within a partition, and one
   * key (device) always maps to one partition, so each device's events stay in order.
   */
  partitionsConsumedConcurrently?: number;
  onRetry?: (error: unknown, attempt: number, transient: boolean) => void;
}

export type ConsumerState = 'starting' | 'running' | 'crashed' | 'stopped';

/**
 * A Kafka consumer that never loses a record and never blocks its partition forever:
 * - the offset of a record is committed only after its handler resolved (kafkajs eachMessage
 *   with autoCommit resolves the offset when the handler returns), so a crash means redelivery
 *   and the handler must be idempotent;
 * - transient failures are retried in place with back-off, keeping the partition's order;
 * - poison records, and records that keep failing for other reasons, go to the dead-letter
 *   topic with their reason, and then the partition moves on;
 * - a consumer that kafkajs gave up on is reported as crashed, so liveness fails and the
 *   orchestrator restarts the process instead of it idling while looking healthy.
 */
export class ManagedConsumer {
  private readonly logger: Logger;
  private readonly consumer: Consumer;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private readonly heartbeatIntervalMs: number;
  private currentState: ConsumerState = 'starting';
  private lastProcessed: Date | null = null;
  private lastCrash: string | null = null;

  constructor(
    kafka: Kafka,
    private readonly options: ManagedConsumerOptions,
    private readonly deadLetters: DeadLetterWriter,
  ) {
    this.logger = new Logger(`ManagedConsumer:${options.groupId}`);
    if (!options.handle === !options.handleBatch) throw new Error('a managed consumer takes handle or handleBatch');
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    this.heartbeatIntervalMs = Math.floor(sessionTimeout / 10);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: this.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      retry: { retries: 15, initialRetryTime: 300, maxRetryTime: 2000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.currentState = 'running'));
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.lastCrash = `${payload.error.name}: ${payload.error.message}`;
      // kafkajs restarts the consumer after a retriable error (a broker still loading): a warning, not an error.
      if (payload.restart) this.logger.warn({ err: payload.error, restart: true }, 'consumer restarting');
      else this.logger.error({ err: payload.error, restart: false }, 'consumer crashed');
      if (!payload.restart) this.currentState = 'crashed';
    });
  }

  get state(): ConsumerState {
    return this.currentState;
  }

  get health(): { state: ConsumerState; lastProcessedAt: string | null; lastCrash: string | null } {
    return {
      state: this.currentState,
      lastProcessedAt: this.lastProcessed?.toISOString() ?? null,
      lastCrash: this.lastCrash,
    };
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.options.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    const partitionsConsumedConcurrently = this.options.partitionsConsumedConcurrently ?? 1;
    if (this.options.handleBatch) {
      await this.consumer.run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently,
        eachBatch: (payload) => this.processBatch(payload),
      });
      return;
    }
    await this.consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently,
      eachMessage: (payload) => this.process(payload),
    });
  }

  /** Stops fetching, lets the record in hand finish, commits what was processed, leaves the group. */
  /** Idempotent: the owner and the shutdown hook may both ask. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      await this.consumer.disconnect();
      this.currentState = 'stopped';
      this.logger.log('consumer stopped; processed offsets committed');
    })();
    return this.stopped;
  }

  /**
   * A fetched batch in chunks: each chunk handled (one transaction), then its offsets resolved
   * and committed before the next, so a crash redoes at most the chunk in hand.
   */
  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const size = this.options.maxBatchSize ?? 500;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages
        .slice(start, start + size)
        .map((message) => ({ topic: batch.topic, partition: batch.partition, message }));
      await this.processChunk(chunk, heartbeat);
      const last = chunk[chunk.length - 1].message.offset;
      resolveOffset(last);
      const next = (BigInt(last) + 1n).toString();
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
      });
      await heartbeat();
    }
  }

  private async processChunk(chunk: ConsumedRecord[], heartbeat: () => Promise<void>): Promise<void> {
    const handleBatch = this.options.handleBatch!;
    if (chunk.length === 1) return this.processOne(chunk[0], heartbeat, (record) => handleBatch([record]));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.keepingMembership(heartbeat, () => handleBatch(chunk));
        this.lastProcessed = new Date();
        return;
      } catch (error) {
        const transient = !(error instanceof PoisonRecordError) && this.options.isTransient(error);
        if (!transient) {
          this.logger.warn({ err: error, records: chunk.length }, 'batch failed; handling its records one at a time');
          for (const record of chunk) await this.processOne(record, heartbeat, (one) => handleBatch([one]));
          return;
        }
        await this.backOff(error, attempt, true, chunk[0], heartbeat);
      }
    }
  }

  /**
   * Heartbeats while a chunk is in hand: one transaction of many events can outlast the session
   * timeout on a busy machine, and a member that goes quiet that long is put out of the group,
   * its chunk redone by the next owner, again and again. A heartbeat refused during a rebalance
   * is left to the commit after the chunk, which then fails and hands the chunk on.
   */
  private async keepingMembership<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => heartbeat().catch(() => undefined), this.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private process({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    return this.processOne({ topic, partition, message }, heartbeat, this.options.handle!);
  }

  private async processOne(
    record: ConsumedRecord,
    heartbeat: () => Promise<void>,
    handle: (record: ConsumedRecord) => Promise<void>,
  ): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await handle(record);
        this.lastProcessed = new Date();
        return;
      } catch (error) {
        if (error instanceof PoisonRecordError) return this.deadLetter(record, error.reason, error.detail);
        const transient = this.options.isTransient(error);
        if (!transient && attempt >= maxAttempts) {
          return this.deadLetter(record, 'processing_failed', `failed ${attempt} times: ${describe(error)}`);
        }
        await this.backOff(error, attempt, transient, record, heartbeat);
      }
    }
  }

  private async backOff(
    error: unknown,
    attempt: number,
    transient: boolean,
    record: ConsumedRecord,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    this.options.onRetry?.(error, attempt, transient);
    const { topic, partition, message } = record;
    this.logger.warn(
      { err: error, topic, partition, offset: message.offset, attempt, transient },
      'record failed; retrying',
    );
    // Leave the record uncommitted on shutdown: the next owner of the partition redoes it.
    if (this.stopping) throw error;
    await sleep(Math.min(200 * 2 ** Math.min(attempt, 6), 10_000));
    // Throws during a rebalance, which hands the record to the partition's next owner.
    await heartbeat();
  }

  private async deadLetter(record: ConsumedRecord, reason: string, detail: string): Promise<void> {
    this.logger.error(
      { topic: record.topic, partition: record.partition, offset: record.message.offset, reason, detail },
      'record dead-lettered',
    );
    // Must succeed before the offset moves: if Kafka refuses, the record is processed again.
    await this.deadLetters.write(record, this.options.groupId, reason, detail);
    this.options.onDeadLetter?.(reason);
    this.lastProcessed = new Date();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
