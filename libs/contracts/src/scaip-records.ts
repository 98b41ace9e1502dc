import { IDENTIFIER_PATTERN } from './device-event.types';

/**
 * Value of a record on KafkaTopics.scaipUnitAlarms (key: device id; the topic is compacted): the
 * latest alarm event the SCAIP gateway put on Kafka for a device. A SCAIP cancel (`RE`, `stc` 19)
 * does not name the alarm it withdraws, so the gateway names it (`alarm.cancelled`'s `ref`) from
 * this; being on Kafka, the mapping survives a restart of the gateway. Only the gateway reads it.
 */
export interface ScaipUnitAlarmRecord {
  v: 1;
  deviceId: string;
  /** Id of the device's latest `alarm.button` or `fall.detected` event. */
  eventId: string;
  /** When the gateway put that event on Kafka. */
  sentAt: string;
}

const identifier = new RegExp(IDENTIFIER_PATTERN);

export function encodeScaipUnitAlarmRecord(record: ScaipUnitAlarmRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/** The record, or why it is not one (the gateway is its only writer: a bad one is logged and passed over). */
export function decodeScaipUnitAlarmRecord(value: Buffer | null): ScaipUnitAlarmRecord | { problem: string } {
  if (!value) return { problem: 'record has no value' };
  let record: Partial<ScaipUnitAlarmRecord> | null;
  try {
    record = JSON.parse(value.toString('utf8')) as Partial<ScaipUnitAlarmRecord> | null;
  } catch (error) {
    return { problem: `record is not JSON: ${(error as Error).message}` };
  }
  if (!record || record.v !== 1) return { problem: 'record is not a v1 SCAIP unit alarm record' };
  if (typeof record.deviceId !== 'string' || typeof record.eventId !== 'string' || !identifier.test(record.eventId))
    return { problem: 'deviceId or eventId is missing or invalid' };
  if (typeof record.sentAt !== 'string' || Number.isNaN(Date.parse(record.sentAt)))
    return { problem: 'sentAt is not a time' };
  return record as ScaipUnitAlarmRecord;
}
