import { DeviceEventType } from '@welfare/contracts';

export type AlarmPriority = 1 | 2 | 3;

/**
 * Which device events open an alarm, and at what priority (1 is most urgent). The backbone
 * opens alarms for the button and falls; the other types are kept on the device's history
 * until the rules engine lands.
 */
const OPENING_RULES: Partial<Record<DeviceEventType, AlarmPriority>> = {
  'alarm.button': 1,
  'fall.detected': 1,
};

export function alarmPriorityFor(type: DeviceEventType): AlarmPriority | null {
  return OPENING_RULES[type] ?? null;
}
