import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord, DeviceEventType, EffectiveAlarmRules, NightWindow } from '@welfare/contracts';
import { AlarmKind, AlarmPriority, ruleFor } from '../alarms/alarm-rules';
import type { DeviceOwnership } from '../registry-view/registry-devices.repository';
import { nightWindowContains } from '../resident-rules/night-window';
import { zonesContaining } from '../resident-rules/safe-zones';

/** A device event with what the registry says of it, from memory: no query. */
export interface EnrichedEvent {
  record: DeviceEventRecord;
  owner: DeviceOwnership | null;
  /** The resident's rules that apply now; null for a device without a (known) resident. */
  rules: EffectiveAlarmRules | null;
}

/** What the intake must do about an event beyond keeping it on the device's history. */
export type Decision =
  | { kind: 'keep' }
  | { kind: 'open'; priority: AlarmPriority; alarmKind: AlarmKind }
  | { kind: 'cancel'; ref: string }
  | { kind: 'clear'; clears: DeviceEventType }
  /** `door.opened` inside the resident's night window: a priority-2 care alarm. */
  | { kind: 'door_alarm'; nightWindow: NightWindow }
  /** `door.closed`: logged on the resident's unresolved door alarms, if there are any. */
  | { kind: 'door_closed' }
  /** A tracker left every safe zone (the crossing only). */
  | { kind: 'left_zone'; zones: string[] }
  /** A tracker came back into a safe zone after leaving. */
  | { kind: 'returned'; zones: string[] };

/** A position for the device's trail. */
export interface PositionFact {
  deviceId: string;
  residentId: string | null;
  eventId: string;
  lat: number;
  lon: number;
  accuracyMeters: number | null;
  at: Date;
  receivedAt: Date;
  insideSafeZone: boolean | null;
}

/** A door watch starts with `door.opened` (when the resident has an open-door limit) and ends with `door.closed`. */
export type WatchFact =
  | {
      op: 'start';
      deviceId: string;
      door: string;
      residentId: string | null;
      openedEventId: string;
      openedAt: Date;
      dueAt: Date;
    }
  | { op: 'end'; deviceId: string; door: string };

export interface EventOutcome {
  decision: Decision;
  position?: PositionFact;
  watch?: WatchFact;
}

const KEEP: Decision = { kind: 'keep' };

/**
 * The rules as a pure function: an enriched event (and, for a position, whether the device's
 * previous position was inside a safe zone) to what must happen. No database, no clock: the
 * intake turns a batch's outcomes into set-based statements, and only the decisions that touch
 * an alarm into per-event work.
 */
export function decide(event: EnrichedEvent, previousInside: boolean | null): EventOutcome {
  const rule = ruleFor(event.record.event.type);
  switch (rule.action) {
    case 'open':
      return { decision: { kind: 'open', priority: rule.priority, alarmKind: rule.kind } };
    case 'cancel':
      return { decision: { kind: 'cancel', ref: String((event.record.event as { ref?: unknown }).ref ?? '') } };
    case 'clear':
      return { decision: { kind: 'clear', clears: rule.clears } };
    case 'door_opened':
      return doorOpened(event);
    case 'door_closed':
      return {
        decision: { kind: 'door_closed' },
        watch: { op: 'end', deviceId: event.record.deviceId, door: doorOf(event.record) },
      };
    case 'position':
      return position(event, previousInside);
    case 'keep':
      return { decision: KEEP };
  }
}

function doorOpened({ record, owner, rules }: EnrichedEvent): EventOutcome {
  const at = deviceTimeInstant(record.event.time);
  const limit = rules?.doorOpenLimitMinutes;
  const watch: WatchFact | undefined = limit
    ? {
        op: 'start',
        deviceId: record.deviceId,
        door: doorOf(record),
        residentId: owner?.residentId ?? null,
        openedEventId: record.event.id,
        openedAt: at,
        dueAt: new Date(at.getTime() + limit * 60_000),
      }
    : undefined;
  const window = rules?.doorNightWindow;
  // Judged by the device's time (when the door moved), so a late delivery is judged by when it happened.
  const decision: Decision =
    window && nightWindowContains(window, at) ? { kind: 'door_alarm', nightWindow: window } : KEEP;
  return { decision, watch };
}

function position({ record, owner, rules }: EnrichedEvent, previousInside: boolean | null): EventOutcome {
  const fields = record.event as unknown as { lat: number; lon: number; accuracy?: number };
  const point = { lat: fields.lat, lon: fields.lon };
  const zones = rules?.safeZones ?? [];
  const containing = zones.length === 0 ? [] : zonesContaining(zones, point);
  const inside = zones.length === 0 ? null : containing.length > 0;
  const fact: PositionFact = {
    deviceId: record.deviceId,
    residentId: owner?.residentId ?? null,
    eventId: record.event.id,
    ...point,
    accuracyMeters: fields.accuracy ?? null,
    at: deviceTimeInstant(record.event.time),
    receivedAt: new Date(record.receivedAt),
    insideSafeZone: inside,
  };
  // Only the crossing counts: positions outside after the first add to the trail, not to the alarm.
  if (inside === false && previousInside !== false) {
    return { decision: { kind: 'left_zone', zones: zones.map((zone) => zone.name) }, position: fact };
  }
  if (inside === true && previousInside === false) {
    return { decision: { kind: 'returned', zones: containing.map((zone) => zone.name) }, position: fact };
  }
  return { decision: KEEP, position: fact };
}

/** The contract's optional `door` names which door of a multi-door sensor; '' is the only one. */
export function doorOf(record: DeviceEventRecord): string {
  const door = (record.event as { door?: unknown }).door;
  return typeof door === 'string' ? door : '';
}
