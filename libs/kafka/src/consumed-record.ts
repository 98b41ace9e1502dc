import { KafkaMessage } from 'kafkajs';

/** A record handed to a consumer handler, with where it came from. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/**
 * Thrown by a handler for a record that can never succeed (undecodable, breaks the
 * contract): it goes to the dead-letter topic at once and the partition moves on.
 */
export class PoisonRecordError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'PoisonRecordError';
  }
}
