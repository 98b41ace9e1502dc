import { Logger } from '@nestjs/common';
import type { OutgoingRecord } from './kafka-producer.service';
import { retryDelayMs, sleep } from './retry-delay';

/** What a batcher sends with: one request per call (kafkajs `send` with many messages). */
export interface RecordSender {
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
}

/** Given up on because the connection it came on is gone (or the service is stopping): the broker delivers it again. */
export class HandOverAbandonedError extends Error {
  override name = 'HandOverAbandonedError';
}

export interface KafkaBatcherOptions {
  /** Most records in one send. */
  maxRecords: number;
  /** Most bytes (values) in one send, so a request stays well below Kafka's size limits. */
  maxBytes: number;
  /** Called for each record once Kafka has its batch, before any of them is resolved. */
  onAcknowledged?: () => void;
}

interface Pending {
  record: OutgoingRecord;
  alive: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One lane to one Kafka topic. Records are taken in as they come and sent as soon as the lane is
 * free: whatever queued while the previous send was in flight goes in the next one (one
 * request), so a batch never waits to fill and a quiet lane sends a single record at once. Sends
 * of a lane run one at a time, in order, so records keep their order within the lane (and a
 * device's within its partition).
 *
 * A failed send is retried after a back-off, for as long as its records' connection lives; a
 * record whose connection is gone is given up (its promise rejects with HandOverAbandonedError),
 * and so is every record of that connection queued behind it, so nothing of a device is sent
 * after an earlier message of it was dropped: the broker still holds them all and delivers them
 * again, in order.
 */
export class KafkaBatcher {
  private readonly logger: Logger;
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    readonly topic: string,
    private readonly sender: RecordSender,
    private readonly options: KafkaBatcherOptions,
  ) {
    this.logger = new Logger(`KafkaBatcher(${topic})`);
  }

  /** Records waiting for a send (not counting the one in flight). */
  get backlog(): number {
    return this.queue.length;
  }

  /** Resolves once Kafka has the record (acks = all); rejects only when it was given up. */
  add(record: OutgoingRecord, alive: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!alive()) return reject(new HandOverAbandonedError('connection gone before the record was queued'));
      this.queue.push({ record, alive, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Started on the next turn: records handed over in the same turn share the first send.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.deliver(this.takeBatch());
    } finally {
      this.running = false;
    }
  }

  /** Takes the queued records whose connection is gone out of the queue. */
  private dropGone(): Pending[] {
    const gone = this.queue.filter((pending) => !pending.alive());
    if (gone.length > 0) {
      const kept = this.queue.filter((pending) => pending.alive());
      this.queue.splice(0, this.queue.length, ...kept);
    }
    return gone;
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.options.maxRecords) {
      const size = this.queue[count].record.value.length;
      if (count > 0 && bytes + size > this.options.maxBytes) break;
      bytes += size;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async deliver(batch: Pending[]): Promise<void> {
    for (let attempt = 1; batch.length > 0; attempt++) {
      try {
        await this.sender.send(
          this.topic,
          batch.map((pending) => pending.record),
        );
      } catch (error) {
        // Given up with every record of the same gone connection still queued behind: sending a
        // later one after an earlier one was dropped would put the device's redelivered earlier
        // message behind it on Kafka.
        const gone = [...batch.filter((pending) => !pending.alive()), ...this.dropGone()];
        batch = batch.filter((pending) => pending.alive());
        for (const pending of gone)
          pending.reject(new HandOverAbandonedError('connection gone before Kafka had the record'));
        this.logger.warn(
          { err: error, records: batch.length, givenUp: gone.length, attempt },
          'could not hand device messages to Kafka; retrying',
        );
        if (batch.length > 0) await sleep(retryDelayMs(attempt));
        continue;
      }
      // Every record's crash point passes before any acknowledgement goes out.
      if (this.options.onAcknowledged) for (let i = 0; i < batch.length; i++) this.options.onAcknowledged();
      for (const pending of batch) pending.resolve();
      return;
    }
  }
}
