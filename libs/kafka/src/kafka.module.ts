import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Kafka } from 'kafkajs';
import { kafkaLogCreator, KAFKAJS_LOG_LEVEL } from './kafka-log';
import { DeadLetterWriter } from './dead-letter-writer';
import { KafkaConsumersService } from './kafka-consumers.service';
import { KafkaProducerService } from './kafka-producer.service';
import { KafkaTopicsService } from './kafka-topics.service';
import { KafkaHealthIndicator } from './kafka.health';
import { KAFKA_CLIENT, KAFKA_OPTIONS, KafkaOptions } from './kafka.tokens';
import { KafkaConsumerTransport } from './transport/kafka-consumer.transport';
import { MESSAGE_TRANSPORT } from '@welfare/platform';

/**
 * The service's Kafka plumbing: one client, one idempotent producer, managed consumers,
 * topic creation and health. Apps talk to Kafka only through these (the client sits
 * behind our own small interface so it can be swapped if measurements call for it).
 */
@Module({})
export class KafkaModule {
  static forRoot(options: KafkaOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: KAFKA_OPTIONS, useValue: options },
        {
          provide: KAFKA_CLIENT,
          useFactory: () =>
            new Kafka({
              clientId: options.clientId,
              brokers: options.brokers,
              connectionTimeout: 5000,
              requestTimeout: 30_000,
              // Capped at 2 s: a broker back from a restart is used within 2 s, not 10.
              retry: { retries: 15, initialRetryTime: 300, maxRetryTime: 2000 },
              logCreator: kafkaLogCreator,
              logLevel: KAFKAJS_LOG_LEVEL,
            }),
        },
        KafkaProducerService,
        DeadLetterWriter,
        KafkaConsumersService,
        KafkaTopicsService,
        KafkaHealthIndicator,
        KafkaConsumerTransport,
        { provide: MESSAGE_TRANSPORT, useExisting: KafkaConsumerTransport },
      ],
      exports: [
        KAFKA_CLIENT,
        KafkaProducerService,
        KafkaConsumersService,
        KafkaTopicsService,
        KafkaHealthIndicator,
        MESSAGE_TRANSPORT,
      ],
    };
  }
}
