import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { decodeDeviceCommandRecord, deviceCommandsTopic, KafkaTopics } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { IngestorConfig } from '../ingestor.config';
import { MqttCommandPublisher } from './mqtt-command-publisher.service';

/**
 * Publishes each device command to `devices/{id}/commands` at QoS 1. The Kafka offset moves
 * only after the broker acknowledged the publish, so a command is never dropped; a device can
 * get one twice and recognises it by alarm id.
 */
@Injectable()
export class DeviceCommandsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;

  constructor(
    private readonly consumers: KafkaConsumersService,
    private readonly mqtt: MqttCommandPublisher,
    private readonly config: IngestorConfig,
    @InjectMetric('device_commands_published_total') private readonly published: Counter<'type'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: this.config.KAFKA_CONSUMER_GROUP,
      topics: [KafkaTopics.deviceCommands],
      handle: (record) => this.publish(record),
      // A broker that is away comes back: keep trying, in order, rather than dead-letter a command.
      isTransient: () => true,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async publish(record: ConsumedRecord): Promise<void> {
    const decoded = decodeDeviceCommandRecord(record.message.value);
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await this.mqtt.publish(deviceCommandsTopic(decoded.deviceId), JSON.stringify(decoded.command));
    this.published.inc({ type: decoded.command.type });
  }
}
