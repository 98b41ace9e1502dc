import { DynamicModule, Module } from '@nestjs/common';
import { contractTopicSpecs, KafkaTopics } from '@welfare/contracts';
import { KafkaModule } from '@welfare/kafka';
import { ClockModule, ObservabilityModule, TypedConfigModule } from '@welfare/platform';
import { CommandPathModule } from './commands/command-path.module';
import { HealthModule } from './health/health.module';
import { IngestorConfig } from './ingestor.config';
import { MqttModule } from './mqtt/mqtt.module';

/**
 * Device messages from MQTT onto Kafka on the main thread, and device commands from Kafka back
 * to MQTT in a worker thread of their own (commands/command-worker.ts).
 */
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
        }),
        MqttModule,
        CommandPathModule,
        HealthModule,
      ],
    };
  }
}
