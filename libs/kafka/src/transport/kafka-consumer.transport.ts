import { Inject, Injectable, Optional } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Counter, Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import { METRICS_REGISTRY } from '@welfare/platform';
import type { ConsumedRecord } from '../consumed-record';
import { KafkaConsumersService } from '../kafka-consumers.service';
import { KAFKA_OPTIONS } from '../kafka.tokens';
import type { KafkaOptions } from '../kafka.tokens';
import type { ManagedConsumer } from '../managed-consumer';
import type { KafkaHandlerExtras } from './kafka-handler';

/** A topic's handler as the transport calls it: a chunk of records (batch) or one record. */
type TopicHandler = (records: ConsumedRecord[]) => Promise<void>;

/**
 * A Nest custom transport (`@EventPattern` handlers) over this project's managed consumers,
 * keeping their semantics: a record's offset is committed only once its handler resolved (for
 * batch handlers, once the chunk's transaction committed), transient failures are retried in
 * place, poison records and records that keep failing go to the dead-letter topic.
 *
 * Handlers name a consumer group in their extras (`{ group }`, a suffix of the service's own
 * group; '' is the group itself): handlers of one group share one consumer, subscribed to their
 * topics. Consumers are created through KafkaConsumersService, so health sees them and they stop
 * first on shutdown.
 */
@Injectable()
export class KafkaConsumerTransport extends Server implements CustomTransportStrategy {
  private readonly consumers: ManagedConsumer[] = [];
  private readonly retried: Counter<'group' | 'transient'>;
  private readonly deadLettered: Counter<'group' | 'reason'>;

  constructor(
    private readonly kafkaConsumers: KafkaConsumersService,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaOptions,
    @Optional() @Inject(METRICS_REGISTRY) metrics?: Registry,
  ) {
    super();
    const registers = metrics ? [metrics] : [];
    this.retried = new Counter({
      name: 'kafka_records_retried_total',
      help: 'Kafka records (or batches) handled again after a failure, by consumer group and whether it was transient',
      labelNames: ['group', 'transient'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'kafka_records_dead_lettered_total',
      help: 'Kafka records sent to the dead-letter topic, by consumer group and reason',
      labelNames: ['group', 'reason'],
      registers,
    });
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [group, { topics, batch }] of this.groups())
        this.consumers.push(this.createConsumer(group, topics, batch));
      await Promise.all(this.consumers.map((consumer) => consumer.start()));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }

  on(): never {
    throw new Error('KafkaConsumerTransport has no events to listen to: its consumers report through health');
  }

  unwrap<T>(): T {
    return this.consumers as T;
  }

  /** The handlers by consumer group: each group's topics, and whether it takes batches. */
  private groups(): Map<string, { topics: Map<string, TopicHandler>; batch: boolean }> {
    const groups = new Map<string, { topics: Map<string, TopicHandler>; batch: boolean }>();
    for (const [topic, handler] of this.getHandlers()) {
      const extras = (handler.extras ?? {}) as Partial<KafkaHandlerExtras>;
      const group = extras.group ?? '';
      const batch = extras.batch === true;
      if (!groups.has(group)) groups.set(group, { topics: new Map(), batch });
      const entry = groups.get(group)!;
      // One consumer runs a group, either a chunk or a record at a time: its handlers must agree.
      if (entry.batch !== batch) throw new Error(`consumer group '${group}' mixes batch and one-record handlers`);
      entry.topics.set(topic, this.topicHandler(handler, batch));
    }
    return groups;
  }

  private topicHandler(handler: MessageHandler, batch: boolean): TopicHandler {
    const call = async (data: ConsumedRecord | ConsumedRecord[]) => {
      // The handler's result may be a promise or an observable (Nest's interceptors): wait for either.
      await lastValueFrom(this.transformToObservable(await handler(data)), { defaultValue: undefined });
    };
    return batch ? (records) => call(records) : async (records) => call(records[0]);
  }

  private createConsumer(group: string, topics: Map<string, TopicHandler>, batch: boolean): ManagedConsumer {
    const settings = this.options.consumers?.groups?.[group] ?? {};
    const dispatch = (records: ConsumedRecord[]) => topics.get(records[0].topic)!(records);
    const consumers = this.options.consumers;
    if (!consumers) throw new Error('KafkaModule.forRoot needs `consumers` for @KafkaHandler handlers');
    const groupId = group ? `${consumers.groupId}.${group}` : consumers.groupId;
    return this.kafkaConsumers.create({
      groupId,
      topics: [...topics.keys()],
      isTransient: consumers.isTransient,
      onDeadLetter: (reason) => this.deadLettered.inc({ group: groupId, reason }),
      onRetry: (_error, _attempt, transient) => this.retried.inc({ group: groupId, transient: String(transient) }),
      maxBatchSize: settings.maxBatchSize,
      partitionsConsumedConcurrently: settings.concurrency,
      ...(batch ? { handleBatch: dispatch } : { handle: (record: ConsumedRecord) => dispatch([record]) }),
    });
  }
}
