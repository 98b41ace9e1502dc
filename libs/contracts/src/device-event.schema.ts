import type { JSONSchemaType } from 'ajv';
import { DEVICE_EVENT_TYPES, DeviceEventType, IDENTIFIER_PATTERN } from './device-event.types';

/** JSON Schemas of contract v1. Extra fields are allowed: the contract keeps them. */
interface EventEnvelopeShape {
  id: string;
  type: string;
  time: string;
}

export const eventBaseSchema: JSONSchemaType<EventEnvelopeShape> = {
  type: 'object',
  required: ['id', 'type', 'time'],
  properties: {
    id: { type: 'string', pattern: IDENTIFIER_PATTERN },
    type: { type: 'string' },
    time: { type: 'string', format: 'date-time', maxLength: 64 },
  },
  additionalProperties: true,
};

const optionalNumber = (minimum: number, maximum: number) => ({ type: 'number', minimum, maximum });
const anyExtras = { type: 'object', additionalProperties: true } as const;

/** Extra-field rules per event type (the table in the contract). */
export const eventTypeSchemas: Record<DeviceEventType, object> = {
  'alarm.button': anyExtras,
  'fall.detected': { ...anyExtras, properties: { confidence: optionalNumber(0, 1) } },
  'alarm.cancelled': {
    ...anyExtras,
    required: ['ref'],
    properties: { ref: { type: 'string', pattern: IDENTIFIER_PATTERN } },
  },
  'door.opened': { ...anyExtras, properties: { door: { type: 'string' } } },
  'door.closed': { ...anyExtras, properties: { door: { type: 'string' } } },
  'gps.position': {
    ...anyExtras,
    required: ['lat', 'lon'],
    properties: {
      lat: optionalNumber(-90, 90),
      lon: optionalNumber(-180, 180),
      accuracy: optionalNumber(0, 1_000_000),
    },
  },
  heartbeat: { ...anyExtras, properties: { battery: optionalNumber(0, 100) } },
  'battery.low': { ...anyExtras, required: ['battery'], properties: { battery: optionalNumber(0, 100) } },
  'power.lost': anyExtras,
  'power.restored': anyExtras,
};

export function isDeviceEventType(type: string): type is DeviceEventType {
  return (DEVICE_EVENT_TYPES as readonly string[]).includes(type);
}
