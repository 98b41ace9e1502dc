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
import { RegistryViewService } from '../registry-view/registry-view.service';

export type IngestOutcome = { accepted: true; deviceId: string; eventId: string } | { accepted: false; reason: string };

/**
 * Validates one device message and hands it to Kafka: valid events of active devices to the
 * device-events topic keyed by device id, anything else to the dead-letter topic with its reason
 * and raw bytes. Resolves only once Kafka has the record; the caller acknowledges the MQTT
 * message after that. A device the registry does not know as active is refused even though the
 * broker let it publish: the broker's credentials may lag behind the registry, or be wired wrong.
 */
@Injectable()
export class DeviceMessageIngestService {
  constructor(
    private readonly producer: KafkaProducerService,
    private readonly clock: Clock,
    private readonly registry: RegistryViewService,
    @InjectMetric('ingest_accepted_total') private readonly accepted: Counter<'type'>,
    @InjectMetric('ingest_rejected_total') private readonly rejected: Counter<'reason'>,
  ) {}

  async ingest(topic: string, payload: Buffer): Promise<IngestOutcome> {
    const now = this.clock.now();
    const receivedAt = now.toISOString();
    const validation = validateDeviceMessage(topic, payload);
    const { deviceId } = validation;
    // A message that breaks the contract is refused for that, whoever sent it; a valid event
    // still needs a device the registry has active (judged only then: a registry look-up may
    // have to wait for the view to catch up, which garbage should not cost).
    const verdict = validation.ok ? await this.registry.verdict(validation.deviceId, now.getTime()) : null;
    const refusal = !validation.ok ? validation.rejection : verdict && !verdict.trusted ? verdict : null;
    if (refusal || !validation.ok) {
      const { reason, detail } = refusal ?? { reason: 'validator_failure', detail: 'no rejection given' };
      await this.deadLetter({
        v: 1,
        source: 'ingestor',
        reason,
        detail,
        deviceId,
        receivedAt,
        origin: { kind: 'mqtt', topic },
        payload: rawPayload(payload),
      });
      this.rejected.inc({ reason });
      return { accepted: false, reason };
    }
    const record: DeviceEventRecord = { v: 1, deviceId: validation.deviceId, receivedAt, event: validation.event };
    await this.producer.send(KafkaTopics.deviceEvents, [
      {
        key: record.deviceId,
        value: encodeRecord(record),
        headers: { type: record.event.type, eventId: record.event.id },
      },
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
