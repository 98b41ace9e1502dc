import { Payload } from '@nestjs/microservices';
import { InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { decodeDeviceCommandRecord, deviceCommandsTopic, KafkaTopics } from '@welfare/contracts';
import { KafkaConsumerController, KafkaHandler, PoisonRecordError } from '@welfare/kafka';
import type { ConsumedRecord } from '@welfare/kafka';
import { MqttCommandPublisher } from './mqtt-command-publisher.service';

/**
 * Publishes each device command to `devices/{id}/commands` at QoS 1. The Kafka offset moves
 * only after the broker acknowledged the publish, so a command is never dropped; a device can
 * get one twice and recognises it by alarm id. A broker that is away comes back: every failure
 * is retried in order (the module's consumers count all errors as transient) rather than a
 * command dead-lettered; only an undecodable record is.
 */
@KafkaConsumerController()
export class DeviceCommandsController {
  constructor(
    private readonly mqtt: MqttCommandPublisher,
    @InjectMetric('device_commands_published_total') private readonly published: Counter<'type'>,
  ) {}

  @KafkaHandler(KafkaTopics.deviceCommands, { group: '' })
  async command(@Payload() record: ConsumedRecord): Promise<void> {
    const decoded = decodeDeviceCommandRecord(record.message.value);
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await this.mqtt.publish(deviceCommandsTopic(decoded.deviceId), JSON.stringify(decoded.command));
    this.published.inc({ type: decoded.command.type });
  }
}
