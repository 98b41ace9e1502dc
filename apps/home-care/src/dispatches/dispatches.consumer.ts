import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Counter } from 'prom-client';
import { decodeDispatchRecord, isRejection, KafkaTopics } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { InjectMetric } from '@welfare/platform';
import { HomeCareConfig } from '../home-care.config';
import { DispatchIntakeService } from './dispatch-intake.service';

/**
 * Feeds dispatches.v1 into the intake, in a consumer group of its own. Started after the app is
 * fully up, stopped first on shutdown; a record's offset is committed only after its
 * transaction committed. Records that break the contract go to the dead-letter topic with
 * their reason, and the partition moves on.
 */
@Injectable()
export class DispatchesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;

  constructor(
    private readonly consumers: KafkaConsumersService,
    private readonly intake: DispatchIntakeService,
    private readonly config: HomeCareConfig,
    @InjectMetric('dispatch_records_retried_total') private readonly retried: Counter<'transient'>,
    @InjectMetric('dispatch_records_dead_lettered_total') private readonly deadLettered: Counter<'reason'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: this.config.KAFKA_CONSUMER_GROUP,
      topics: [KafkaTopics.dispatches],
      handle: (record) => this.handle(record),
      onDeadLetter: (reason) => this.deadLettered.inc({ reason }),
      isTransient: isTransientDatabaseError,
      // One alarm's records share a key, hence a partition: they stay in order.
      partitionsConsumedConcurrently: 3,
      onRetry: (_error, _attempt, transient) => this.retried.inc({ transient: String(transient) }),
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle(record: ConsumedRecord): Promise<void> {
    const decoded = decodeDispatchRecord(record.message.value);
    // Not `'reason' in decoded`: a valid dispatch.withdrawn has a reason too. Only a record has `v`.
    if (isRejection(decoded)) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await this.intake.take(decoded);
  }
}
