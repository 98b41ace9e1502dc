import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { decodeRegistryDeviceRecord, KafkaTopics } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { RegistryDevicesRepository } from './registry-devices.repository';

/**
 * Keeps the local view of the registry's devices, read from the compacted topic from the start
 * in a consumer group of its own, so that alarms are stamped without a call to the registry.
 */
@Injectable()
export class RegistryDevicesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;

  constructor(
    private readonly consumers: KafkaConsumersService,
    private readonly devices: RegistryDevicesRepository,
    private readonly config: ResponseCentreConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}.registry-devices`,
      topics: [KafkaTopics.registryDevices],
      handle: (record) => this.handle(record),
      isTransient: isTransientDatabaseError,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle(record: ConsumedRecord): Promise<void> {
    const decoded = decodeRegistryDeviceRecord(record.message.value);
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await this.devices.upsert(decoded);
  }
}
