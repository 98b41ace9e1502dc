/** Device contract v1 (shared/DESIGN.md section 2): the events a device publishes. */
export const DEVICE_EVENT_TYPES = [
  'alarm.button',
  'fall.detected',
  'alarm.cancelled',
  'door.opened',
  'door.closed',
  'gps.position',
  'heartbeat',
  'battery.low',
  'power.lost',
  'power.restored',
] as const;

export type DeviceEventType = (typeof DEVICE_EVENT_TYPES)[number];

/** Fields every event carries; unknown extra fields are kept as they came. */
interface EventBase {
  /** 1-64 chars of [A-Za-z0-9._:-], unique per device; a resend reuses it. */
  id: string;
  /** RFC 3339 with offset: when it happened on the device. */
  time: string;
  [extra: string]: unknown;
}

export interface AlarmButtonEvent extends EventBase {
  type: 'alarm.button';
}
export interface FallDetectedEvent extends EventBase {
  type: 'fall.detected';
  confidence?: number;
}
export interface AlarmCancelledEvent extends EventBase {
  type: 'alarm.cancelled';
  ref: string;
}
export interface DoorOpenedEvent extends EventBase {
  type: 'door.opened';
  door?: string;
}
export interface DoorClosedEvent extends EventBase {
  type: 'door.closed';
  door?: string;
}
export interface GpsPositionEvent extends EventBase {
  type: 'gps.position';
  lat: number;
  lon: number;
  accuracy?: number;
}
export interface HeartbeatEvent extends EventBase {
  type: 'heartbeat';
  battery?: number;
}
export interface BatteryLowEvent extends EventBase {
  type: 'battery.low';
  battery: number;
}
export interface PowerLostEvent extends EventBase {
  type: 'power.lost';
}
export interface PowerRestoredEvent extends EventBase {
  type: 'power.restored';
}

export type DeviceEvent =
  | AlarmButtonEvent
  | FallDetectedEvent
  | AlarmCancelledEvent
  | DoorOpenedEvent
  | DoorClosedEvent
  | GpsPositionEvent
  | HeartbeatEvent
  | BatteryLowEvent
  | PowerLostEvent
  | PowerRestoredEvent;

/** Largest event payload a device may send, in bytes. */
export const MAX_DEVICE_EVENT_BYTES = 8 * 1024;

/** Pattern of event ids, `ref`s and device ids. */
export const IDENTIFIER_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
