import { createHash } from 'node:crypto';
import { DeviceCommand } from './device-command.types';
import { DeviceEvent, IDENTIFIER_PATTERN } from './device-event.types';
import { checkEvent, Rejection } from './device-message.validator';

/** Value of a record on either device-event lane, KafkaTopics.deviceAlarms or deviceEvents (key: device id). */
export interface DeviceEventRecord {
  v: 1;
  deviceId: string;
  /** When the ingestor received it (the device's own clock is in event.time). */
  receivedAt: string;
  event: DeviceEvent;
}

/** Value of a record on KafkaTopics.deviceCommands (key: device id). */
export interface DeviceCommandRecord {
  v: 1;
  deviceId: string;
  issuedAt: string;
  command: DeviceCommand;
}

/** Where a dead-lettered message came from. */
export type DeadLetterOrigin =
  | { kind: 'mqtt'; topic: string }
  /** A SIP MESSAGE to the SCAIP gateway: its transport and the sender's address. */
  | { kind: 'sip'; transport: string; remote: string }
  | { kind: 'kafka'; topic: string; partition: number; offset: string; consumerGroup: string };

/** Value of a record on KafkaTopics.deviceEventsDeadLetter: the reason and the raw bytes. */
export interface DeadLetterRecord {
  v: 1;
  source: 'ingestor' | 'response-centre' | 'registry' | 'home-care' | 'scaip-gateway';
  reason: string;
  detail: string;
  deviceId: string | null;
  receivedAt: string;
  origin: DeadLetterOrigin;
  /**
   * The message as received: UTF-8 text when it was valid UTF-8, else base64. A payload over
   * DEAD_LETTER_PAYLOAD_LIMIT keeps its first bytes only, with its full size and SHA-256.
   */
  payload: { encoding: 'utf8' | 'base64'; data: string; truncatedFrom?: number; sha256?: string };
}

/**
 * How much of a payload a dead letter keeps. The whole record must fit Kafka's message limit
 * (1 MB by default): a larger one is refused by Kafka, and the message that caused it would be
 * retried for ever, holding up every device event behind it.
 */
export const DEAD_LETTER_PAYLOAD_LIMIT = 64 * 1024;

export function encodeRecord(record: DeviceEventRecord | DeviceCommandRecord | DeadLetterRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Keeps the raw bytes readable where they are text, lossless where they are not (up to the limit). */
export function rawPayload(bytes: Uint8Array): DeadLetterRecord['payload'] {
  const kept = bytes.byteLength > DEAD_LETTER_PAYLOAD_LIMIT ? bytes.subarray(0, DEAD_LETTER_PAYLOAD_LIMIT) : bytes;
  const truncation =
    kept === bytes ? {} : { truncatedFrom: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  try {
    return { encoding: 'utf8', data: strictUtf8.decode(kept), ...truncation };
  } catch {
    return { encoding: 'base64', data: Buffer.from(kept).toString('base64'), ...truncation };
  }
}

const identifier = new RegExp(IDENTIFIER_PATTERN);

/**
 * Decodes a device-events record. Inside the system producers are trusted, but a consumer
 * must still refuse (to the dead-letter topic) a record that would otherwise block its partition.
 */
export function decodeDeviceEventRecord(value: Buffer | null): DeviceEventRecord | Rejection {
  if (!value) return { reason: 'invalid_json', detail: 'record has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { reason: 'invalid_json', detail: `record is not JSON: ${(error as Error).message}` };
  }
  const record = parsed as Partial<DeviceEventRecord> | null;
  if (!record || record.v !== 1 || typeof record.deviceId !== 'string' || !identifier.test(record.deviceId)) {
    return { reason: 'invalid_field', detail: 'record is not a v1 device-event record with a valid deviceId' };
  }
  if (typeof record.receivedAt !== 'string' || Number.isNaN(Date.parse(record.receivedAt))) {
    return { reason: 'invalid_field', detail: 'record has no valid receivedAt' };
  }
  const checked = checkEvent(record.event);
  if ('reason' in checked) return checked;
  return { v: 1, deviceId: record.deviceId, receivedAt: record.receivedAt, event: checked.event };
}

export function decodeDeviceCommandRecord(value: Buffer | null): DeviceCommandRecord | Rejection {
  try {
    const record = JSON.parse(value?.toString('utf8') ?? 'null') as Partial<DeviceCommandRecord> | null;
    const command = record?.command as Partial<DeviceCommand> | undefined;
    if (!record || record.v !== 1 || typeof record.deviceId !== 'string' || !identifier.test(record.deviceId)) {
      return { reason: 'invalid_field', detail: 'record is not a v1 device-command record with a valid deviceId' };
    }
    if (!command || (command.type !== 'alarm.received' && command.type !== 'alarm.acknowledged')) {
      return { reason: 'unknown_type', detail: 'command type is not alarm.received or alarm.acknowledged' };
    }
    return record as DeviceCommandRecord;
  } catch (error) {
    return { reason: 'invalid_json', detail: `record is not JSON: ${(error as Error).message}` };
  }
}
