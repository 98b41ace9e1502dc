import { Injectable } from '@nestjs/common';
import { Clock, crashPoint, InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import {
  DeadLetterRecord,
  DeviceEventRecord,
  encodeRecord,
  KafkaTopics,
  rawPayload,
  validateDeviceMessage,
} from '@welfare/contracts';
import { KafkaProducerService } from '@welfare/kafka';

export type IngestOutcome = { accepted: true; deviceId: string; eventId: string } | { accepted: false; reason: string };

/**
 * Validates one device message and hands it to Kafka: valid events to the device-events topic
 * keyed by device id, anything else to the dead-letter topic with its reason and raw bytes.
 * Resolves only once Kafka has the record; the caller acknowledges the MQTT message after that.
 */
@Injectable()
export class DeviceMessageIngestService {
  constructor(
    private readonly producer: KafkaProducerService,
    private readonly clock: Clock,
    @InjectMetric('ingest_accepted_total') private readonly accepted: Counter<'type'>,
    @InjectMetric('ingest_rejected_total') private readonly rejected: Counter<'reason'>,
  ) {}

  async ingest(topic: string, payload: Buffer): Promise<IngestOutcome> {
    const receivedAt = this.clock.now().toISOString();
    const validation = validateDeviceMessage(topic, payload);
    if (!validation.ok) {
      const { reason, detail } = validation.rejection;
      await this.deadLetter({
        v: 1,
        source: 'ingestor',
        reason,
        detail,
        deviceId: validation.deviceId,
        receivedAt,
        origin: { kind: 'mqtt', topic },
        payload: rawPayload(payload),
      });
      this.rejected.inc({ reason });
      return { accepted: false, reason };
    }
    const record: DeviceEventRecord = { v: 1, deviceId: validation.deviceId, receivedAt, event: validation.event };
    await this.producer.send(KafkaTopics.deviceEvents, [
      { key: record.deviceId, value: encodeRecord(record), headers: { type: record.event.type, eventId: record.event.id } },
    ]);
    this.accepted.inc({ type: record.event.type });
    // Kafka has the event, the device's broker has no PUBACK yet: it comes again.
    crashPoint('ingest.after-kafka-ack');
    return { accepted: true, deviceId: record.deviceId, eventId: record.event.id };
  }

  private async deadLetter(record: DeadLetterRecord): Promise<void> {
    await this.producer.send(KafkaTopics.deviceEventsDeadLetter, [
      { key: record.deviceId ?? 'unknown', value: encodeRecord(record), headers: { reason: record.reason } },
    ]);
  }
}
