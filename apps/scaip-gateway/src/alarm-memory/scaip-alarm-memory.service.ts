import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeScaipUnitAlarmRecord, encodeScaipUnitAlarmRecord, KafkaTopics } from '@welfare/contracts';
import { KAFKA_CLIENT, KafkaBatcher, KafkaProducerService, TopicView } from '@welfare/kafka';

/**
 * Each SCAIP device's latest alarm event, which a later cancel (`RE`, `stc` 19) withdraws: a
 * SCAIP cancel does not name the alarm, so the gateway does. Kept on Kafka (scaip.unit-alarms.v1,
 * compacted, keyed by device) and read back from its beginning at every start, before SIP
 * intake begins, so a cancel after a restart of the gateway is still logged on its alarm.
 */
@Injectable()
export class ScaipAlarmMemoryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ScaipAlarmMemoryService.name);
  private readonly latest = new Map<string, { eventId: string; sentAtMs: number }>();
  private readonly view: TopicView;
  private readonly writer: KafkaBatcher;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka, producer: KafkaProducerService) {
    this.view = new TopicView(kafka, {
      topic: KafkaTopics.scaipUnitAlarms,
      groupPrefix: 'scaip-gateway.alarm-memory',
      apply: (message, partition) => this.apply(message, partition),
      logger: this.logger,
    });
    this.writer = new KafkaBatcher(KafkaTopics.scaipUnitAlarms, producer, { maxRecords: 500, maxBytes: 256 * 1024 });
  }

  /** Null while the memory's consumer runs; why it stopped for good otherwise (liveness fails). */
  get crashed(): string | null {
    return this.view.failure;
  }

  async onModuleInit(): Promise<void> {
    await this.view.start(120_000);
    this.logger.log({ devices: this.latest.size }, 'SCAIP alarm memory read back');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }

  /** Id of the device's latest alarm event, or null when the gateway never sent one. */
  latestAlarm(deviceId: string): string | null {
    return this.latest.get(deviceId)?.eventId ?? null;
  }

  /** Remembers the device's latest alarm event; resolves once Kafka has it (the unit's receipt waits for it). */
  remember(deviceId: string, eventId: string, sentAt: Date, alive: () => boolean): Promise<void> {
    this.keep(deviceId, eventId, sentAt.getTime());
    const value = encodeScaipUnitAlarmRecord({ v: 1, deviceId, eventId, sentAt: sentAt.toISOString() });
    return this.writer.add({ key: deviceId, value }, alive);
  }

  private apply(message: KafkaMessage, partition: number): void {
    const record = decodeScaipUnitAlarmRecord(message.value);
    if ('problem' in record)
      this.logger.error({ partition, offset: message.offset, problem: record.problem }, 'alarm memory record skipped');
    else this.keep(record.deviceId, record.eventId, Date.parse(record.sentAt));
  }

  /** The view also reads the gateway's own writes back, possibly after a later one was kept: the latest wins. */
  private keep(deviceId: string, eventId: string, sentAtMs: number): void {
    const known = this.latest.get(deviceId);
    if (!known || known.sentAtMs <= sentAtMs) this.latest.set(deviceId, { eventId, sentAtMs });
  }
}
