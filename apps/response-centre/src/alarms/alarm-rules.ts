import { DeviceEventType } from '@welfare/contracts';

export type AlarmPriority = 1 | 2 | 3;

/** care: about the person (help them); technical: about the device (fix it); system: about the service itself. */
export type AlarmKind = 'care' | 'technical' | 'system';

/** What opened an alarm: a device event, or the response centre noticing silence. */
export type AlarmTrigger = DeviceEventType | 'device.silent' | 'system.fleet_silent';

/**
 * What a device event does (device contract, section 2). A repeat of an alarm's kind while one
 * is unresolved is attached to it (correlation); care alarms correlate per resident (the
 * person, whichever of their devices), technical ones per device (which device to fix).
 */
export type EventRule =
  | { action: 'open'; priority: AlarmPriority; kind: AlarmKind }
  | { action: 'cancel' }
  | { action: 'clear'; clears: DeviceEventType }
  | { action: 'keep' };

const RULES: Record<DeviceEventType, EventRule> = {
  'alarm.button': { action: 'open', priority: 1, kind: 'care' },
  'fall.detected': { action: 'open', priority: 1, kind: 'care' },
  'alarm.cancelled': { action: 'cancel' },
  'battery.low': { action: 'open', priority: 3, kind: 'technical' },
  'power.lost': { action: 'open', priority: 3, kind: 'technical' },
  'power.restored': { action: 'clear', clears: 'power.lost' },
  // Door, GPS and heartbeat rules depend on per-resident configuration (issue 4, to come):
  // until then they are kept on the device's history.
  'door.opened': { action: 'keep' },
  'door.closed': { action: 'keep' },
  'gps.position': { action: 'keep' },
  heartbeat: { action: 'keep' },
};

export function ruleFor(type: DeviceEventType): EventRule {
  return RULES[type];
}

export function alarmPriorityFor(type: DeviceEventType): AlarmPriority | null {
  const rule = RULES[type];
  return rule.action === 'open' ? rule.priority : null;
}

/** At most one unresolved alarm per key (a unique index holds it): repeats attach to it. */
export function correlationKey(kind: AlarmKind, type: AlarmTrigger, deviceId: string, residentId: string | null): string {
  const subject = kind === 'care' && residentId ? `resident:${residentId}` : `device:${deviceId}`;
  return `${subject}:${type}`;
}

/** The one unresolved "many devices silent at once" alarm (Kafka, the broker or this service was down). */
export const FLEET_SILENT_KEY = 'system:fleet-silent';
