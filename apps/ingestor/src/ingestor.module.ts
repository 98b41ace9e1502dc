import { DynamicModule, Module } from '@nestjs/common';
import { contractTopicSpecs, KafkaTopicPartitions, KafkaTopics } from '@welfare/contracts';
import { KafkaModule } from '@welfare/kafka';
import { ClockModule, ObservabilityModule, TypedConfigModule } from '@welfare/platform';
import { CommandsModule } from './commands/commands.module';
import { HealthModule } from './health/health.module';
import { IngestorConfig } from './ingestor.config';
import { MqttModule } from './mqtt/mqtt.module';

/** Device commands published at once, awaiting their PUBACKs together (a chunk's offsets move after all). */
const COMMAND_CHUNK_SIZE = 100;

/** Device messages from MQTT onto Kafka, and device commands from Kafka back to MQTT. */
@Module({})
export class IngestorModule {
  static forRoot(config: IngestorConfig): DynamicModule {
    return {
      module: IngestorModule,
      imports: [
        TypedConfigModule.forRoot(IngestorConfig, config),
        ObservabilityModule.forRoot({ service: 'ingestor', logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT }),
        ClockModule,
        KafkaModule.forRoot({
          clientId: config.KAFKA_CLIENT_ID,
          brokers: config.KAFKA_BROKERS,
          topics: contractTopicSpecs(),
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
        MqttModule,
        CommandsModule,
        HealthModule,
      ],
    };
  }
}
