import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { IHeaders, Kafka, Partitioners, Producer } from 'kafkajs';
import { KAFKA_CLIENT } from './kafka.tokens';

export interface OutgoingRecord {
  key: string;
  value: Buffer;
  headers?: IHeaders;
}

/**
 * The one producer of a service: idempotent, acks from all in-sync replicas, one request in
 * flight (kafkajs requires it for idempotence), so a record Kafka acknowledged is durable
 * and a retried send is not written twice.
 */
@Injectable()
export class KafkaProducerService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaProducerService.name);
  private readonly producer: Producer;
  private connected = false;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded on purpose (kafkajs warns about it): a send that never returns would hold an
      // MQTT message or an outbox transaction forever. Callers retry, and every consumer is
      // idempotent, so the rare duplicate record this allows is absorbed downstream.
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.producer.on('producer.connect', () => (this.connected = true));
    this.producer.on('producer.disconnect', () => (this.connected = false));
  }

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
    this.logger.log('Kafka producer connected');
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Resolves only once every in-sync replica has the records (acks = all). */
  async send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({ topic, acks: -1, messages: records });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}
