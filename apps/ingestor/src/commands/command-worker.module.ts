import { DynamicModule, Module } from '@nestjs/common';
import { KafkaTopicPartitions, KafkaTopics } from '@welfare/contracts';
import { KafkaModule } from '@welfare/kafka';
import { ClockModule, ObservabilityModule, TypedConfigModule } from '@welfare/platform';
import { IngestorConfig } from '../ingestor.config';
import { CommandsModule } from './commands.module';

/** Device commands published at once, awaiting their PUBACKs together (a chunk's offsets move after all). */
const COMMAND_CHUNK_SIZE = 100;

/**
 * What runs in the command worker's thread: a Kafka client of its own with the command
 * consumer (the `@KafkaHandler` transport, every partition at once), and the MQTT command
 * connection. Topics are created by the main thread before the worker starts.
 */
@Module({})
export class CommandWorkerModule {
  static forRoot(config: IngestorConfig): DynamicModule {
    return {
      module: CommandWorkerModule,
      imports: [
        TypedConfigModule.forRoot(IngestorConfig, config),
        ObservabilityModule.forRoot({ service: 'ingestor', logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT }),
        ClockModule,
        KafkaModule.forRoot({
          clientId: `${config.KAFKA_CLIENT_ID}-commands`,
          brokers: config.KAFKA_BROKERS,
          topics: [],
          deadLetter: { topic: KafkaTopics.deviceEventsDeadLetter, source: 'ingestor' },
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          // Commands to devices: a broker that is away comes back, so every failure is retried in order.
          // Chunks of commands, every partition of the topic at once (a device's commands stay on its partition).
          consumers: {
            groupId: config.KAFKA_CONSUMER_GROUP,
            isTransient: () => true,
            groups: {
              '': { maxBatchSize: COMMAND_CHUNK_SIZE, concurrency: KafkaTopicPartitions[KafkaTopics.deviceCommands] },
            },
          },
        }),
        CommandsModule,
      ],
    };
  }
}
