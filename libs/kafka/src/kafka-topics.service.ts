import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { KAFKA_CLIENT, KAFKA_OPTIONS, type KafkaOptions } from './kafka.tokens';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/**
 * Creates the topics a service needs when they are missing. Brokers run with
 * auto-creation off, so a typo in a topic name fails loudly instead of creating a new topic.
 * Replication follows the broker's default (1 locally, 3 in production).
 */
@Injectable()
export class KafkaTopicsService implements OnModuleInit {
  private readonly logger = new Logger(KafkaTopicsService.name);

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensure(this.options.topics);
  }

  async ensure(specs: TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.topic));
      if (missing.length === 0) return;
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((spec) => ({ ...spec, replicationFactor: -1 })) });
      this.logger.log(`created topics ${missing.map((spec) => spec.topic).join(', ')}`);
    } finally {
      await admin.disconnect();
    }
  }
}
