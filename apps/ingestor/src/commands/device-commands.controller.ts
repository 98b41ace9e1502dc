import { Payload } from '@nestjs/microservices';
import { InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { decodeDeviceCommandRecord, deviceCommandsTopic, KafkaTopics } from '@welfare/contracts';
import { KafkaConsumerController, KafkaHandler, PoisonRecordError } from '@welfare/kafka';
import type { ConsumedRecord } from '@welfare/kafka';
import { MqttCommandPublisher } from './mqtt-command-publisher.service';

/**
 * Publishes device commands to `devices/{id}/commands` at QoS 1, a chunk of a partition's records
 * at a time: all of the chunk's publishes go out on the command connection at once, in offset
 * order (the broker keeps a connection's order, so a device's commands arrive in order), and the
 * chunk's offsets move only after the broker acknowledged every one of them, so a command is never
 * dropped. One publish awaited at a time made each command wait a broker round trip behind the one
 * before: under load, "alarm received" reached devices seconds after the alarm was stored.
 *
 * A device can get a command twice (a chunk retried after a failure) and recognises it by alarm
 * id. A broker that is away comes back: every failure is retried in order (the module's consumers
 * count all errors as transient) rather than a command dead-lettered; only an undecodable record
 * is (the chunk then goes one record at a time, and just that one is dead-lettered).
 */
@KafkaConsumerController()
export class DeviceCommandsController {
  constructor(
    private readonly mqtt: MqttCommandPublisher,
    @InjectMetric('device_commands_published_total') private readonly published: Counter<'type'>,
  ) {}

  @KafkaHandler(KafkaTopics.deviceCommands, { group: '', batch: true })
  async commands(@Payload() records: ConsumedRecord[]): Promise<void> {
    const commands = records.map((record) => {
      const decoded = decodeDeviceCommandRecord(record.message.value);
      if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
      return decoded;
    });
    await Promise.all(
      commands.map((decoded) =>
        this.mqtt.publish(deviceCommandsTopic(decoded.deviceId), JSON.stringify(decoded.command)),
      ),
    );
    for (const decoded of commands) this.published.inc({ type: decoded.command.type });
  }
}
