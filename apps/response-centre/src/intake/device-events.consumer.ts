import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { decodeDeviceEventRecord, KafkaTopics } from '@welfare/contracts';
import type { DeviceEventRecord } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { DeviceEventIntakeService } from './device-event-intake.service';
import { RegistryMemoryView } from '../registry-view/registry-memory-view';

/**
 * Feeds both lanes of device events into the intake, each with a consumer (and consumer group)
 * of its own, so an alarm is fetched, stored and committed without waiting for telemetry:
 * - the alarm lane (device-alarms.v1) in small batches, every partition at once;
 * - the telemetry lane (device-events.v1) in batches of up to INTAKE_BATCH_SIZE, a transaction each.
 * Started after the app is fully up, stopped first on shutdown; a batch's offsets are committed
 * only after its transaction committed.
 */
@Injectable()
export class DeviceEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumers: ManagedConsumer[] = [];

  constructor(
    private readonly kafkaConsumers: KafkaConsumersService,
    private readonly intake: DeviceEventIntakeService,
    private readonly config: ResponseCentreConfig,
    private readonly registry: RegistryMemoryView,
    @InjectMetric('device_events_retried_total') private readonly retried: Counter<'transient'>,
    @InjectMetric('device_events_dead_lettered_total') private readonly deadLettered: Counter<'reason'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Events are judged by the registry's view in memory: not before it is loaded.
    await this.registry.ready();
    const common = {
      handleBatch: (records: ConsumedRecord[]) => this.handle(records),
      onDeadLetter: (reason: string) => this.deadLettered.inc({ reason }),
      isTransient: isTransientDatabaseError,
      onRetry: (_error: unknown, _attempt: number, transient: boolean) =>
        this.retried.inc({ transient: String(transient) }),
    };
    this.consumers = [
      this.kafkaConsumers.create({
        ...common,
        groupId: `${this.config.KAFKA_CONSUMER_GROUP}.alarms`,
        topics: [KafkaTopics.deviceAlarms],
        maxBatchSize: 50,
        partitionsConsumedConcurrently: this.config.ALARM_INTAKE_CONCURRENCY,
      }),
      this.kafkaConsumers.create({
        ...common,
        groupId: this.config.KAFKA_CONSUMER_GROUP,
        topics: [KafkaTopics.deviceEvents],
        maxBatchSize: this.config.INTAKE_BATCH_SIZE,
        partitionsConsumedConcurrently: this.config.INTAKE_CONCURRENCY,
      }),
    ];
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }

  private async handle(records: ConsumedRecord[]): Promise<void> {
    const decoded: DeviceEventRecord[] = [];
    for (const record of records) {
      const result = decodeDeviceEventRecord(record.message.value);
      // One undecodable record fails the batch; the consumer then goes one at a time and dead-letters just it.
      if ('reason' in result) throw new PoisonRecordError(result.reason, result.detail);
      decoded.push(result);
    }
    await this.intake.intakeBatch(decoded);
  }
}
