import { Payload } from '@nestjs/microservices';
import { decodeDeviceEventRecord, KafkaTopics } from '@welfare/contracts';
import type { DeviceEventRecord } from '@welfare/contracts';
import { KafkaConsumerController, KafkaHandler, PoisonRecordError } from '@welfare/kafka';
import type { ConsumedRecord } from '@welfare/kafka';
import { DeviceEventIntakeService } from './device-event-intake.service';
import { AlarmLanePriority } from './alarm-lane-priority';

/** The consumer groups of the two lanes (suffixes of KAFKA_CONSUMER_GROUP; '' is the group itself). */
export const ALARM_LANE_GROUP = 'alarms';
export const TELEMETRY_LANE_GROUP = '';

/**
 * Both lanes of device events into the intake, each in a consumer group (and consumer) of its
 * own, so an alarm is fetched, stored and committed without waiting for telemetry: the alarm
 * lane in small batches, the telemetry lane in batches of up to INTAKE_BATCH_SIZE, a transaction
 * each, committed only after it. A telemetry batch does not start while an alarm batch is being
 * stored (AlarmLanePriority), so alarms do not share the CPU and the database with it. Batch size and partitions taken at once: response-centre.module.
 */
@KafkaConsumerController()
export class DeviceEventsController {
  constructor(
    private readonly intake: DeviceEventIntakeService,
    private readonly priority: AlarmLanePriority,
  ) {}

  @KafkaHandler(KafkaTopics.deviceAlarms, { group: ALARM_LANE_GROUP, batch: true })
  async alarms(@Payload() records: ConsumedRecord[]): Promise<void> {
    const events = decodeAll(records);
    await this.priority.alarmBatch(() => this.intake.intakeBatch(events, 'alarm'));
  }

  @KafkaHandler(KafkaTopics.deviceEvents, { group: TELEMETRY_LANE_GROUP, batch: true })
  async telemetry(@Payload() records: ConsumedRecord[]): Promise<void> {
    const events = decodeAll(records);
    await this.priority.telemetryBatch(() => this.intake.intakeBatch(events, 'telemetry'));
  }
}

function decodeAll(records: ConsumedRecord[]): DeviceEventRecord[] {
  return records.map((record) => {
    const decoded = decodeDeviceEventRecord(record.message.value);
    // One undecodable record fails the batch; the consumer then goes one at a time and dead-letters just it.
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    return decoded;
  });
}
