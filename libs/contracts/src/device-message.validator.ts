import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { eventBaseSchema, eventTypeSchemas, isDeviceEventType } from './device-event.schema';
import {
  DEVICE_EVENT_TYPES,
  DeviceEvent,
  DeviceEventType,
  IDENTIFIER_PATTERN,
  MAX_DEVICE_EVENT_BYTES,
} from './device-event.types';
import { deviceIdFromEventsTopic } from './topics';

/** Why a device message was refused; goes with the raw bytes to the dead-letter topic. */
export type RejectionReason =
  | 'invalid_topic'
  | 'payload_too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'unknown_type'
  | 'invalid_field'
  | 'device_mismatch'
  | 'validator_failure';

export interface Rejection {
  reason: RejectionReason;
  /** A sentence a vendor's engineer can act on. */
  detail: string;
}

export type DeviceMessageValidation =
  { ok: true; deviceId: string; event: DeviceEvent } | { ok: false; deviceId: string | null; rejection: Rejection };

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv, ['date-time']);
const validateBase = ajv.compile(eventBaseSchema);
const validateByType = Object.fromEntries(
  Object.entries(eventTypeSchemas).map(([type, schema]) => [type, ajv.compile(schema)]),
) as Record<DeviceEventType, ValidateFunction>;
const identifier = new RegExp(IDENTIFIER_PATTERN);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Checks one MQTT message against device contract v1. Never throws: any failure,
 * even an unexpected one, comes back as a rejection so ingestion never stops.
 */
export function validateDeviceMessage(topic: string, payload: Uint8Array): DeviceMessageValidation {
  const topicDeviceId = deviceIdFromEventsTopic(topic);
  try {
    if (topicDeviceId === null || !identifier.test(topicDeviceId)) {
      return reject(
        null,
        'invalid_topic',
        `topic "${truncate(topic)}" is not devices/{deviceId}/events with a valid device id`,
      );
    }
    const parsed = parsePayload(payload);
    if ('reason' in parsed) return { ok: false, deviceId: topicDeviceId, rejection: parsed };
    const checked = checkEvent(parsed.value);
    if ('reason' in checked) return { ok: false, deviceId: topicDeviceId, rejection: checked };
    const claimed = checked.event['deviceId'];
    if (claimed !== undefined && claimed !== topicDeviceId) {
      return reject(
        topicDeviceId,
        'device_mismatch',
        `payload deviceId does not match the topic's device "${topicDeviceId}"`,
      );
    }
    return { ok: true, deviceId: topicDeviceId, event: checked.event };
  } catch (error) {
    return reject(topicDeviceId, 'validator_failure', `validator failed: ${String(error)}`);
  }
}

/** Validates an already parsed event object (used again inside the response centre). */
export function checkEvent(value: unknown): { event: DeviceEvent } | Rejection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reason: 'not_an_object', detail: 'payload must be one JSON object' };
  }
  const record = value as Record<string, unknown>;
  if (typeof record.type === 'string' && !isDeviceEventType(record.type)) {
    return {
      reason: 'unknown_type',
      detail: `type "${truncate(record.type)}" is not one of ${DEVICE_EVENT_TYPES.join(', ')}`,
    };
  }
  if (!validateBase(value)) return { reason: 'invalid_field', detail: describe(validateBase.errors) };
  const validateType = validateByType[record.type as DeviceEventType];
  if (!validateType(value)) return { reason: 'invalid_field', detail: describe(validateType.errors) };
  return { event: value as unknown as DeviceEvent };
}

function parsePayload(payload: Uint8Array): { value: unknown } | Rejection {
  if (payload.byteLength > MAX_DEVICE_EVENT_BYTES) {
    return {
      reason: 'payload_too_large',
      detail: `payload is ${payload.byteLength} bytes; the limit is ${MAX_DEVICE_EVENT_BYTES}`,
    };
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { reason: 'invalid_utf8', detail: 'payload is not valid UTF-8' };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { reason: 'invalid_json', detail: `payload is not JSON: ${(error as Error).message}` };
  }
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'payload does not match the contract';
  const field = first.instancePath ? first.instancePath.slice(1).replace(/\//g, '.') : undefined;
  const missing = first.keyword === 'required' ? String(first.params.missingProperty) : undefined;
  if (missing) return `field "${missing}" is required`;
  return `field "${field ?? '(root)'}" ${first.message ?? 'is invalid'}`;
}

function reject(deviceId: string | null, reason: RejectionReason, detail: string): DeviceMessageValidation {
  return { ok: false, deviceId, rejection: { reason, detail } };
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
