import type { DeviceEvent } from '@welfare/contracts';
import type { ScaipRequest } from './scaip-request';

/** SCAIP status codes (`stc`) the gateway understands; any other is carried raw. */
export const StatusCode = {
  automaticAlarm: 9,
  manualAlarm: 10,
  batteryFailure: 14,
  batteryOk: 15,
  batteryLow: 16,
  cancel: 19,
  doorClosed: 21,
  doorOpen: 76,
  doorOpenTooLong: 77,
  mainsFailure: 85,
  mainsRestored: 86,
  testTransmission: 102,
} as const;

/** SCAIP device type (`dty`) of a fall detector: any alarm it sends is a fall. */
export const FALL_DETECTOR_DTY = 5;

export interface EventContext {
  /** Event id of this message: the same for a resend (see ref-memory.ts). */
  eventId: string;
  /** When the gateway first saw this message (a resend keeps it): the event's time. */
  time: string;
  /** Id of the device's latest alarm event, which a cancel withdraws; null when none is known. */
  lastAlarmEventId: string | null;
}

/**
 * The contract events (device contract v1) of one SCAIP request. Every event carries the
 * request's raw fields under `scaip` (the contract keeps unknown extra fields), so the codes the
 * gateway does not know, the voice route (`crd`) and the location text reach the centre as sent.
 *
 * - `PI` is a heartbeat whatever its `stc` (units send `PI` with `stc` 9 or 102);
 * - `RE`, or `stc` 19, is `alarm.cancelled` of the device's latest alarm;
 * - manual alarm (10, or an `ME` with no `stc`) is `alarm.button`; automatic alarm (9), or any
 *   alarm of a fall detector (`dty` 5), is `fall.detected`;
 * - door open / closed are `door.opened` / `door.closed`; "door open too long" (77) is
 *   `door.opened` marked `openTooLong`;
 * - mains failure / restored are `power.lost` / `power.restored`; battery low or failure
 *   is `battery.low` (SCAIP gives no percentage: `battery` is 0);
 * - a test transmission (102), battery OK and any `IN` the table does not know are kept on the
 *   device's history as a heartbeat carrying the raw codes;
 * - an `ME` with a code the table does not know is `alarm.button` (priority 1): a real alarm is
 *   never dropped because the table is incomplete;
 * - a position in `geo` ("lat,lon") adds a `gps.position` (id suffixed `.pos`).
 */
export function scaipEvents(request: ScaipRequest, context: EventContext): DeviceEvent[] {
  const base = { id: context.eventId, time: context.time, scaip: { ...request.fields, cid: request.cid } };
  const events: DeviceEvent[] = [mainEvent(request, context, base)];
  const position = parseGeo(request.fields.geo);
  if (position) events.push({ ...base, id: `${context.eventId}.pos`, type: 'gps.position', ...position });
  return events;
}

type Base = { id: string; time: string; scaip: Record<string, string> };

function mainEvent(request: ScaipRequest, context: EventContext, base: Base): DeviceEvent {
  if (request.mty === 'PI') return { ...base, type: 'heartbeat' };
  const stc = request.stc ?? (request.mty === 'ME' ? StatusCode.manualAlarm : null);
  if (request.mty === 'RE' || stc === StatusCode.cancel)
    return { ...base, type: 'alarm.cancelled', ref: context.lastAlarmEventId ?? context.eventId };
  if (request.mty === 'ME' && (request.dty === FALL_DETECTOR_DTY || stc === StatusCode.automaticAlarm))
    return { ...base, type: 'fall.detected' };
  switch (stc) {
    case StatusCode.manualAlarm:
      return { ...base, type: 'alarm.button' };
    case StatusCode.automaticAlarm:
      return { ...base, type: 'fall.detected' };
    case StatusCode.doorOpen:
      return { ...base, type: 'door.opened', ...door(request) };
    case StatusCode.doorOpenTooLong:
      return { ...base, type: 'door.opened', openTooLong: true, ...door(request) };
    case StatusCode.doorClosed:
      return { ...base, type: 'door.closed', ...door(request) };
    case StatusCode.mainsFailure:
      return { ...base, type: 'power.lost' };
    case StatusCode.mainsRestored:
      return { ...base, type: 'power.restored' };
    case StatusCode.batteryLow:
    case StatusCode.batteryFailure:
      return { ...base, type: 'battery.low', battery: 0 };
  }
  if (request.mty === 'ME') return { ...base, type: 'alarm.button', unknownStatusCode: true };
  return { ...base, type: 'heartbeat', historyOnly: true };
}

/** Whether an event opens (or repeats) an alarm that a later cancel may withdraw. */
export function isAlarmEvent(event: DeviceEvent): boolean {
  return event.type === 'alarm.button' || event.type === 'fall.detected';
}

function door(request: ScaipRequest): { door?: string } {
  const name = request.fields.lte || request.fields.dte;
  return name ? { door: name } : {};
}

const GEO = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;

function parseGeo(geo: string | undefined): { lat: number; lon: number } | null {
  const match = geo ? GEO.exec(geo) : null;
  if (!match) return null;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : null;
}
