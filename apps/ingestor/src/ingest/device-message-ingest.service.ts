import { Inject, Injectable } from '@nestjs/common';
import { Clock, crashPoint, InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import {
  DeadLetterRecord,
  DeviceEvent,
  DeviceEventRecord,
  deviceEventTopicFor,
  encodeRecord,
  KafkaTopics,
  rawPayload,
  validateDeviceMessage,
} from '@welfare/contracts';
import {
  ALARM_LANE_PRODUCER,
  HandOverAbandonedError,
  KafkaBatcher,
  KafkaProducerService,
  type RecordSender,
  retryDelayMs,
  sleep,
} from '@welfare/kafka';
import { IngestorConfig } from '../ingestor.config';
import { DeviceVerdict, RegistryViewService } from '../registry-view/registry-view.service';

export type IngestOutcome = { accepted: true; deviceId: string; eventId: string } | { accepted: false; reason: string };

/** Whether the connection a message came on still lives; a message whose connection is gone is given up. */
export type Liveness = () => boolean;

const ALWAYS_ALIVE: Liveness = () => true;
/** Keeps one produce request well below Kafka's default limits (1 MB per record batch). */
const MAX_BATCH_BYTES = 512 * 1024;

/**
 * Validates device messages and hands them to Kafka, many at a time: valid events of active
 * devices to their lane's topic keyed by device id (`device-alarms.v1` for alarm.button,
 * fall.detected and alarm.cancelled; `device-events.v1` for the rest), anything else to the
 * dead-letter topic with its reason and raw bytes. Each message's promise resolves only once
 * Kafka has its record; the caller acknowledges the MQTT message after that.
 *
 * Each lane has a batcher of its own (kafka-batcher.ts): one send per batch, one batch in flight
 * per lane, so a device's events keep their order within a lane. The alarm lane sends with a
 * producer of its own, so an alarm never waits behind a telemetry request, and its batches are
 * sent as soon as the lane is free (no waiting to fill).
 *
 * A device the registry does not know as active is refused even though the broker let it
 * publish: the broker's credentials may lag behind the registry, or be wired wrong. Judging such
 * a device may wait for the registry view to catch up; its later messages wait behind it (their
 * order is kept), other devices' do not.
 */
@Injectable()
export class DeviceMessageIngestService {
  private readonly lanes: Record<typeof KafkaTopics.deviceAlarms | typeof KafkaTopics.deviceEvents, KafkaBatcher>;
  private readonly deadLetters: KafkaBatcher;
  /** Per device with a verdict pending: resolves once its latest message has been put in its lane. */
  private readonly judging = new Map<string, Promise<void>>();

  constructor(
    producer: KafkaProducerService,
    @Inject(ALARM_LANE_PRODUCER) alarmProducer: RecordSender,
    config: IngestorConfig,
    private readonly clock: Clock,
    private readonly registry: RegistryViewService,
    @InjectMetric('ingest_accepted_total') private readonly accepted: Counter<'type'>,
    @InjectMetric('ingest_rejected_total') private readonly rejected: Counter<'reason'>,
  ) {
    const batches = { maxRecords: config.INGEST_BATCH_MAX_RECORDS, maxBytes: MAX_BATCH_BYTES };
    // Kafka has the event, the device's broker has no PUBACK yet: it comes again.
    const afterAck = { ...batches, onAcknowledged: () => crashPoint('ingest.after-kafka-ack') };
    this.lanes = {
      [KafkaTopics.deviceAlarms]: new KafkaBatcher(KafkaTopics.deviceAlarms, alarmProducer, afterAck),
      [KafkaTopics.deviceEvents]: new KafkaBatcher(KafkaTopics.deviceEvents, producer, afterAck),
    };
    this.deadLetters = new KafkaBatcher(KafkaTopics.deviceEventsDeadLetter, producer, batches);
  }

  /**
   * Takes one message in; resolves once Kafka has its record (or its dead-letter record).
   * Rejects with HandOverAbandonedError when `alive` turned false before that: the connection it
   * came on is gone, and the broker delivers it again. Messages are put in their lanes in the
   * order they are taken in (per device).
   */
  ingest(topic: string, payload: Buffer, alive: Liveness = ALWAYS_ALIVE): Promise<IngestOutcome> {
    const now = this.clock.now();
    const validation = validateDeviceMessage(topic, payload);
    // A message that breaks the contract is refused for that, whoever sent it; a valid event
    // still needs a device the registry has active (judged only then: a registry look-up may
    // have to wait for the view to catch up, which garbage should not cost).
    if (!validation.ok) return this.refuse(validation.rejection, validation.deviceId, topic, payload, now, alive);
    const { deviceId, event } = validation;
    const ahead = this.judging.get(deviceId);
    if (!ahead && this.registry.isActive(deviceId)) return this.accept(deviceId, event, now, alive);

    let placed!: () => void;
    const inLane = new Promise<void>((resolve) => (placed = resolve));
    this.judging.set(deviceId, inLane);
    void inLane.then(() => {
      if (this.judging.get(deviceId) === inLane) this.judging.delete(deviceId);
    });
    return (ahead ?? Promise.resolve())
      .then(() => this.judge(deviceId, now, alive))
      .then(
        (verdict) => {
          const delivered = verdict.trusted
            ? this.accept(deviceId, event, now, alive)
            : this.refuse(verdict, deviceId, topic, payload, now, alive);
          placed();
          return delivered;
        },
        (error: unknown) => {
          placed();
          throw error;
        },
      );
  }

  /** The registry's verdict, retried (the view could not catch up in time) while the connection lives. */
  private async judge(deviceId: string, now: Date, alive: Liveness): Promise<DeviceVerdict> {
    for (let attempt = 1; ; attempt++) {
      if (!alive()) throw new HandOverAbandonedError('connection gone before the device was judged');
      try {
        return await this.registry.verdict(deviceId, now.getTime());
      } catch (error) {
        if (!alive()) throw error;
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  private accept(deviceId: string, event: DeviceEvent, now: Date, alive: Liveness): Promise<IngestOutcome> {
    const record: DeviceEventRecord = { v: 1, deviceId, receivedAt: now.toISOString(), event };
    const lane = this.lanes[deviceEventTopicFor(event.type) as keyof typeof this.lanes];
    const outgoing = { key: deviceId, value: encodeRecord(record), headers: { type: event.type, eventId: event.id } };
    return lane.add(outgoing, alive).then(() => {
      this.accepted.inc({ type: event.type });
      return { accepted: true, deviceId, eventId: event.id };
    });
  }

  private refuse(
    refusal: { reason: string; detail: string },
    deviceId: string | null,
    topic: string,
    payload: Buffer,
    now: Date,
    alive: Liveness,
  ): Promise<IngestOutcome> {
    const { reason, detail } = refusal;
    const record: DeadLetterRecord = {
      v: 1,
      source: 'ingestor',
      reason,
      detail,
      deviceId,
      receivedAt: now.toISOString(),
      origin: { kind: 'mqtt', topic },
      payload: rawPayload(payload),
    };
    const outgoing = { key: deviceId ?? 'unknown', value: encodeRecord(record), headers: { reason } };
    return this.deadLetters.add(outgoing, alive).then(() => {
      this.rejected.inc({ reason });
      return { accepted: false, reason };
    });
  }
}
