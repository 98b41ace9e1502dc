import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Counter } from 'prom-client';
import { decodeDispatchUpdateRecord, isRejection, KafkaTopics } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { InjectMetric } from '@welfare/platform';
import { ResponseCentreConfig } from '../response-centre.config';
import { DispatchUpdatesService } from './dispatch-updates.service';

/**
 * Feeds home care's dispatch updates (keyed by alarm id, so one alarm's updates come in order)
 * into the centre. An update's offset is committed only after its transaction committed; an
 * undecodable update, or one about a dispatch this centre never made, goes to the dead-letter
 * topic and the partition moves on.
 */
@Injectable()
export class DispatchUpdatesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;

  constructor(
    private readonly consumers: KafkaConsumersService,
    private readonly updates: DispatchUpdatesService,
    private readonly config: ResponseCentreConfig,
    @InjectMetric('dispatch_updates_total') private readonly taken: Counter<'type' | 'outcome'>,
    @InjectMetric('dispatch_updates_dead_lettered_total') private readonly deadLettered: Counter<'reason'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}.dispatch-updates`,
      topics: [KafkaTopics.dispatchUpdates],
      handle: (record) => this.handle(record),
      onDeadLetter: (reason) => this.deadLettered.inc({ reason }),
      isTransient: isTransientDatabaseError,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle(record: ConsumedRecord): Promise<void> {
    const decoded = decodeDispatchUpdateRecord(record.message.value);
    if (isRejection(decoded)) throw new PoisonRecordError(decoded.reason, decoded.detail);
    const outcome = await this.updates.apply(decoded);
    this.taken.inc({ type: decoded.type, outcome });
  }
}
