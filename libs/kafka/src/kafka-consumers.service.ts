import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { DeadLetterWriter } from './dead-letter-writer';
import { KAFKA_CLIENT, KAFKA_OPTIONS } from './kafka.tokens';
import type { KafkaOptions } from './kafka.tokens';
import { ManagedConsumer, ManagedConsumerOptions } from './managed-consumer';

/**
 * Creates managed consumers on the service's Kafka client and knows them for health checks.
 * Stops them all first on shutdown, so the work in hand finishes while the database is still there.
 */
@Injectable()
export class KafkaConsumersService implements BeforeApplicationShutdown {
  private readonly consumers: ManagedConsumer[] = [];

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_OPTIONS) private readonly kafkaOptions: KafkaOptions,
    private readonly deadLetters: DeadLetterWriter,
  ) {}

  create(options: ManagedConsumerOptions): ManagedConsumer {
    const consumer = new ManagedConsumer(
      this.kafka,
      { sessionTimeoutMs: this.kafkaOptions.sessionTimeoutMs, ...options },
      this.deadLetters,
    );
    this.consumers.push(consumer);
    return consumer;
  }

  all(): readonly ManagedConsumer[] {
    return this.consumers;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }
}
