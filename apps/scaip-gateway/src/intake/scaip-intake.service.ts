import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import {
  checkEvent,
  DeadLetterRecord,
  DeviceEvent,
  DeviceEventRecord,
  deviceEventTopicFor,
  encodeRecord,
  KafkaTopics,
  rawPayload,
} from '@welfare/contracts';
import {
  ALARM_LANE_PRODUCER,
  HandOverAbandonedError,
  KafkaBatcher,
  KafkaProducerService,
  type RecordSender,
} from '@welfare/kafka';
import { Clock, crashPoint, InjectMetric } from '@welfare/platform';
import { isAlarmEvent, scaipEvents } from '../scaip/scaip-events';
import { parseScaipRequest, Snu, type SnuValue } from '../scaip/scaip-request';
import { RefMemory } from '../scaip/ref-memory';
import { hasVoice } from '../scaip/receipt';
import { ScaipGatewayConfig } from '../scaip-gateway.config';
import { ScaipUnitViewService } from '../unit-view/scaip-unit-view.service';
import { ScaipAlarmMemoryService } from '../alarm-memory/scaip-alarm-memory.service';

/** Where a SIP MESSAGE came from, for dead letters and logs. */
export interface SipOrigin {
  transport: string;
  remote: string;
}

/**
 * What the unit is told:
 * - `received`: Kafka has every event of the message: `<mrs>` with `snu` 0 (`voice`: the unit can talk);
 * - `refused`: the body is wrong (`snu` 1, 2, 3 or 7; `ref` null when none could be read) or the
 *   controller is not an active registry device (`forbidden`); dead-lettered first;
 * - `unavailable`: Kafka (or the registry) did not answer in time: no success, the unit sends again;
 * - `unauthenticated`: no valid credentials: challenge again (wrong or replayed ones are dead-lettered first).
 */
export type IntakeOutcome =
  | { kind: 'received'; ref: string; deviceId: string; eventIds: string[]; voice: boolean }
  | { kind: 'refused'; ref: string | null; snu: SnuValue; reason: string; detail: string; forbidden: boolean }
  | { kind: 'unavailable'; detail: string }
  | { kind: 'unauthenticated'; detail: string };

/** The unit's own credentials for the message (SIP digest): checked once the controller is known to be active. */
export type UnitAuthentication = (
  controllerId: string,
) => Promise<{ ok: true } | { ok: false; reason: string | null; detail: string; unavailable?: boolean }>;

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 512 * 1024;

/**
 * SCAIP messages onto the same Kafka lanes as the MQTT ingestor, with the same promise: an
 * outcome `received` (the unit's receipt) only once Kafka has acknowledged every event
 * (acks = all, idempotent producers). Alarm events go on the alarm lane's own producer, the
 * rest on the telemetry lane, each through a batcher of libs/kafka; refused input goes to the
 * dead-letter topic with its reason and raw body. Events are checked against the contract's
 * validator before they leave, as the ingestor checks devices' JSON.
 */
@Injectable()
export class ScaipIntakeService {
  private readonly logger = new Logger(ScaipIntakeService.name);
  private readonly lanes: Record<string, KafkaBatcher>;
  private readonly deadLetters: KafkaBatcher;
  private readonly refs: RefMemory;

  constructor(
    producer: KafkaProducerService,
    @Inject(ALARM_LANE_PRODUCER) alarmProducer: RecordSender,
    private readonly config: ScaipGatewayConfig,
    private readonly clock: Clock,
    private readonly units: ScaipUnitViewService,
    private readonly alarms: ScaipAlarmMemoryService,
    @InjectMetric('scaip_accepted_total') private readonly accepted: Counter<'type'>,
    @InjectMetric('scaip_rejected_total') private readonly rejected: Counter<'reason'>,
  ) {
    const batches = { maxRecords: MAX_BATCH_RECORDS, maxBytes: MAX_BATCH_BYTES };
    // Kafka has the event, the unit has no receipt yet: it sends again, and the resend gets the same id.
    const afterAck = { ...batches, onAcknowledged: () => crashPoint('scaip.after-kafka-ack') };
    this.lanes = {
      [KafkaTopics.deviceAlarms]: new KafkaBatcher(KafkaTopics.deviceAlarms, alarmProducer, afterAck),
      [KafkaTopics.deviceEvents]: new KafkaBatcher(KafkaTopics.deviceEvents, producer, afterAck),
    };
    this.deadLetters = new KafkaBatcher(KafkaTopics.deviceEventsDeadLetter, producer, batches);
    this.refs = new RefMemory(config.SCAIP_RESEND_WINDOW_SECONDS * 1000);
  }

  async take(body: Buffer, origin: SipOrigin, authenticate?: UnitAuthentication): Promise<IntakeOutcome> {
    const now = this.clock.now();
    const until = Date.now() + this.config.SCAIP_KAFKA_TIMEOUT_MS;
    const alive = () => Date.now() < until;
    try {
      const parsed = parseScaipRequest(body, { maxBodyBytes: this.config.SCAIP_MAX_BODY_BYTES, maxDepth: 4 });
      if (!parsed.ok) return await this.refuse({ ...parsed, forbidden: false }, null, body, origin, now, until);
      const request = parsed.request;
      const verdict = await this.units.verdict(request.cid, request.did);
      if (!verdict.trusted)
        return await this.refuse(
          { ...verdict, ref: request.ref, snu: Snu.wrongData, forbidden: true },
          verdict.deviceId,
          body,
          origin,
          now,
          until,
        );
      const { deviceId } = verdict;
      const authentication = authenticate ? await authenticate(request.cid) : ({ ok: true } as const);
      if (!authentication.ok) {
        if (authentication.unavailable) return { kind: 'unavailable', detail: authentication.detail };
        if (authentication.reason) {
          const refusal = { ...authentication, reason: authentication.reason, ref: request.ref, snu: Snu.wrongData };
          await this.refuse({ ...refusal, forbidden: true }, deviceId, body, origin, now, until);
        }
        return { kind: 'unauthenticated', detail: authentication.detail };
      }
      const { eventId, firstSeenMs } = this.refs.identify(deviceId, request, now.getTime());
      const events = scaipEvents(request, {
        eventId,
        time: new Date(firstSeenMs).toISOString(),
        lastAlarmEventId: this.alarms.latestAlarm(deviceId),
      });
      for (const event of events) {
        const checked = checkEvent(event);
        if ('reason' in checked)
          return await this.refuse(
            { ...checked, ref: request.ref, snu: Snu.wrongData, forbidden: false },
            deviceId,
            body,
            origin,
            now,
            until,
          );
      }
      // The alarm a later cancel withdraws is remembered on Kafka before the receipt, with the events.
      const alarm = events.find(isAlarmEvent);
      const handedOver = Promise.all([
        ...events.map((event) => this.send(deviceId, event, now, alive)),
        ...(alarm ? [this.alarms.remember(deviceId, alarm.id, now, alive)] : []),
      ]);
      await byDeadline(handedOver, until);
      for (const event of events) this.accepted.inc({ type: event.type });
      const eventIds = events.map((event) => event.id);
      return { kind: 'received', ref: request.ref, deviceId, eventIds, voice: hasVoice(request.fields.crd) };
    } catch (error) {
      if (!(error instanceof HandOverAbandonedError)) throw error;
      this.logger.warn(
        { remote: origin.remote },
        'Kafka did not take a SCAIP message in time; the unit gets no receipt',
      );
      return { kind: 'unavailable', detail: 'Kafka did not acknowledge in time' };
    }
  }

  /** Dead-letters a message refused before its body was read (content type, truncation); waits for Kafka (bounded). */
  async deadLetter(reason: string, detail: string, body: Buffer, origin: SipOrigin): Promise<void> {
    const refusal = { ref: null, snu: Snu.invalidFormat, reason, detail, forbidden: false };
    await this.refuse(
      refusal,
      null,
      body,
      origin,
      this.clock.now(),
      Date.now() + this.config.SCAIP_KAFKA_TIMEOUT_MS,
    ).catch((error: unknown) =>
      this.logger.warn({ err: error, reason }, 'could not dead-letter a refused SIP message'),
    );
  }

  private send(deviceId: string, event: DeviceEvent, now: Date, alive: () => boolean): Promise<void> {
    const record: DeviceEventRecord = { v: 1, deviceId, receivedAt: now.toISOString(), event };
    const lane = this.lanes[deviceEventTopicFor(event.type)];
    return lane.add(
      { key: deviceId, value: encodeRecord(record), headers: { type: event.type, eventId: event.id } },
      alive,
    );
  }

  private async refuse(
    refusal: { ref: string | null; snu: SnuValue; reason: string; detail: string; forbidden: boolean },
    deviceId: string | null,
    body: Buffer,
    origin: SipOrigin,
    now: Date,
    until: number,
  ): Promise<IntakeOutcome> {
    const record: DeadLetterRecord = {
      v: 1,
      source: 'scaip-gateway',
      reason: refusal.reason,
      detail: refusal.detail,
      deviceId,
      receivedAt: now.toISOString(),
      origin: { kind: 'sip', ...origin },
      payload: rawPayload(body),
    };
    const deadLettered = this.deadLetters.add(
      { key: deviceId ?? 'unknown', value: encodeRecord(record), headers: { reason: refusal.reason } },
      () => Date.now() < until,
    );
    await byDeadline(deadLettered, until);
    this.rejected.inc({ reason: refusal.reason });
    return { kind: 'refused', ...refusal };
  }
}

/**
 * Waits for Kafka's acknowledgement until `until` (ms). A send in flight to a broker that is away
 * can take far longer (the client's own retries), and the unit must hear "try again" in time: it
 * gets no success, and a record that still reaches Kafka later is a duplicate of the unit's resend
 * (same event id), absorbed downstream.
 */
async function byDeadline(work: Promise<unknown>, until: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HandOverAbandonedError('Kafka did not acknowledge in time')),
      Math.max(0, until - Date.now()),
    );
  });
  work.catch(() => undefined); // its failure after the deadline is already answered
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
