import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { decodeDeviceEventRecord, DEVICE_EVENT_TOPICS } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { DeviceEventIntakeService } from './device-event-intake.service';

/**
 * Feeds both device-event lanes (device-alarms.v1 and device-events.v1) into the intake. Started after the app is fully up, stopped
 * first on shutdown; the offset of an event is committed only after its transaction committed.
 */
@Injectable()
export class DeviceEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;

  constructor(
    private readonly consumers: KafkaConsumersService,
    private readonly intake: DeviceEventIntakeService,
    private readonly config: ResponseCentreConfig,
    @InjectMetric('device_events_retried_total') private readonly retried: Counter<'transient'>,
    @InjectMetric('device_events_dead_lettered_total') private readonly deadLettered: Counter<'reason'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: this.config.KAFKA_CONSUMER_GROUP,
      topics: [...DEVICE_EVENT_TOPICS],
      handle: (record) => this.handle(record),
      onDeadLetter: (reason) => this.deadLettered.inc({ reason }),
      isTransient: isTransientDatabaseError,
      partitionsConsumedConcurrently: this.config.INTAKE_CONCURRENCY,
      onRetry: (_error, _attempt, transient) => this.retried.inc({ transient: String(transient) }),
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle(record: ConsumedRecord): Promise<void> {
    const decoded = decodeDeviceEventRecord(record.message.value);
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await this.intake.intake(decoded);
  }
}
