import { AlarmTriggerType, DeviceEventType } from '@welfare/contracts';

export type AlarmPriority = 1 | 2 | 3;

/** care: about the person (help them); technical: about the device (fix it); system: about the service itself. */
export type AlarmKind = 'care' | 'technical' | 'system';

/**
 * What opened an alarm: a device event, or the response centre noticing something over time:
 * silence, a door open too long, a tracker outside every safe zone.
 */
export type AlarmTrigger = AlarmTriggerType;

/**
 * What a device event does (device contract, section 2). A repeat of an alarm's kind while one
 * is unresolved is attached to it (correlation); care alarms correlate per resident (the
 * person, whichever of their devices), technical ones per device (which device to fix).
 */
export type EventRule =
  | { action: 'open'; priority: AlarmPriority; kind: AlarmKind }
  | { action: 'cancel' }
  | { action: 'clear'; clears: DeviceEventType }
  /** Depends on the resident's rules (night window, open-door limit, safe zones): resident-rules/. */
  | { action: 'door_opened' }
  | { action: 'door_closed' }
  | { action: 'position' }
  | { action: 'keep' };

const RULES: Record<DeviceEventType, EventRule> = {
  'alarm.button': { action: 'open', priority: 1, kind: 'care' },
  'fall.detected': { action: 'open', priority: 1, kind: 'care' },
  'alarm.cancelled': { action: 'cancel' },
  'battery.low': { action: 'open', priority: 3, kind: 'technical' },
  'power.lost': { action: 'open', priority: 3, kind: 'technical' },
  'power.restored': { action: 'clear', clears: 'power.lost' },
  'door.opened': { action: 'door_opened' },
  'door.closed': { action: 'door_closed' },
  'gps.position': { action: 'position' },
  // Any event moves the device's silence deadline on (supervision/); a heartbeat does nothing else.
  heartbeat: { action: 'keep' },
};

export function ruleFor(type: DeviceEventType): EventRule {
  return RULES[type];
}

/** Alarms opened by the resident's rules: priority 2, about the person. */
export const RULE_ALARM = { priority: 2, kind: 'care' } as const;

/** Whether an event of this type may open an alarm or attach to one, so a resend re-sends `alarm.received`. */
export function mayOpenAlarm(type: DeviceEventType): boolean {
  const action = RULES[type].action;
  return action === 'open' || action === 'door_opened' || action === 'position';
}

/** The fixed priority of the type's alarm; null for types that open none, or only by the resident's rules. */
export function alarmPriorityFor(type: DeviceEventType): AlarmPriority | null {
  const rule = RULES[type];
  return rule.action === 'open' ? rule.priority : null;
}

/** At most one unresolved alarm per key (a unique index holds it): repeats attach to it. */
export function correlationKey(
  kind: AlarmKind,
  type: AlarmTrigger,
  deviceId: string,
  residentId: string | null,
): string {
  const subject = kind === 'care' && residentId ? `resident:${residentId}` : `device:${deviceId}`;
  return `${subject}:${type}`;
}

/** The one unresolved "many devices silent at once" alarm (Kafka, the broker or this service was down). */
export const FLEET_SILENT_KEY = 'system:fleet-silent';
