import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { IHeaders, Kafka, Partitioners, Producer } from 'kafkajs';
import { KAFKA_CLIENT } from './kafka.tokens';

export interface OutgoingRecord {
  key: string;
  value: Buffer;
  headers?: IHeaders;
}

/**
 * An idempotent producer: acks from all in-sync replicas, one request in flight (kafkajs
 * requires it for idempotence), so a record Kafka acknowledged is durable and a retried send is
 * not written twice.
 *
 * Sends go one at a time, and after a failed send the producer takes a new producer id before
 * the next one. kafkajs rolls a partition's sequence number back when a request fails, also
 * when the broker did write it (a timeout); a different send given that sequence next would be
 * taken by the broker for a duplicate of the written batch, acknowledged, and dropped: records
 * lost with a successful send. With a new producer id the sequences start over, so the worst
 * case is the failed batch written twice, which every consumer absorbs.
 */
@Injectable()
export class KafkaProducerService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaProducerService.name);
  private readonly producer: Producer;
  private connected = false;
  private queue: Promise<void> = Promise.resolve();
  /** A send failed: the broker's view of our sequence numbers is unknown until a new producer id. */
  private uncertain = false;

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

  /** Resolves only once every in-sync replica has the records (acks = all); sends run one at a time, in call order. */
  send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const sent = this.queue.then(() => this.sendNow(topic, records));
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  private async sendNow(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (this.uncertain) {
      // connect() on a connected producer asks for a new producer id, and kafkajs resets the sequences.
      await this.producer.connect();
      this.uncertain = false;
      this.logger.warn('new producer id after a failed send');
    }
    try {
      await this.producer.send({ topic, acks: -1, messages: records });
    } catch (error) {
      this.uncertain = true;
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}
