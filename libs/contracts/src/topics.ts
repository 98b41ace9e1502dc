import type { DeviceEventType } from './device-event.types';

/**
 * Every topic name the apps use to speak to each other. Apps import these; no app
 * spells a topic name itself.
 */
export const KafkaTopics = {
  /**
   * The telemetry lane: validated device events other than the alarm lane's (heartbeats,
   * positions, door, battery and power events), keyed by device id, so one device's events stay
   * in order within the lane. Consumed in batches.
   */
  deviceEvents: 'device-events.v1',
  /**
   * The alarm lane: the events that open a priority-1 alarm (`alarm.button`, `fall.detected`)
   * and those that refer to them (`alarm.cancelled`), keyed by device id. Its own topic, its own
   * consumers and database work, so an alarm never queues behind telemetry; a cancellation
   * stays behind its alarm because both travel in this lane.
   */
  deviceAlarms: 'device-alarms.v1',
  /** Device messages that failed validation, and consumer poison messages, with the reason. */
  deviceEventsDeadLetter: 'device-events.dead-letter.v1',
  /** Commands for devices (alarm.received, alarm.acknowledged), keyed by device id. */
  deviceCommands: 'device-commands.v1',
  /**
   * The registry's view of every device (state, kind, resident, municipality, centre,
   * heartbeat interval), keyed by device id and compacted: the latest record per device is
   * kept for ever, so a consumer reading from the beginning rebuilds its local view.
   */
  registryDevices: 'registry.devices.v1',
  /** Home-care teams (name, municipality), keyed by team id and compacted. */
  registryHomeCareTeams: 'registry.home-care-teams.v1',
  /**
   * Residents as the response centre needs them (details for the operator and the nurse, alarm
   * rules), keyed by resident id and compacted.
   */
  registryResidents: 'registry.residents.v1',
  /** Municipalities (centre, default alarm rules), keyed by municipality id and compacted. */
  registryMunicipalities: 'registry.municipalities.v1',
  /** What happens to alarms that others must hear of (escalations), keyed by alarm id. */
  alarmEvents: 'alarm-events.v1',
  /** Response centre to home care: dispatch requested / withdrawn, keyed by alarm id. */
  dispatches: 'dispatches.v1',
  /** Home care to response centre: accepted, declined, en route, arrived, completed, expired; keyed by alarm id. */
  dispatchUpdates: 'dispatch-updates.v1',
  /**
   * The SCAIP gateway's own memory: each SCAIP device's latest alarm event, which a later cancel
   * withdraws (a SCAIP cancel does not name it). Keyed by device id and compacted.
   */
  scaipUnitAlarms: 'scaip.unit-alarms.v1',
} as const;

export type KafkaTopic = (typeof KafkaTopics)[keyof typeof KafkaTopics];

/** Partition counts used when the apps create missing topics at start-up. */
export const KafkaTopicPartitions: Record<KafkaTopic, number> = {
  [KafkaTopics.deviceEvents]: 6,
  [KafkaTopics.deviceAlarms]: 6,
  [KafkaTopics.deviceEventsDeadLetter]: 1,
  [KafkaTopics.deviceCommands]: 3,
  [KafkaTopics.registryDevices]: 3,
  [KafkaTopics.registryHomeCareTeams]: 1,
  [KafkaTopics.registryResidents]: 3,
  [KafkaTopics.registryMunicipalities]: 1,
  [KafkaTopics.alarmEvents]: 3,
  [KafkaTopics.dispatches]: 3,
  [KafkaTopics.dispatchUpdates]: 3,
  [KafkaTopics.scaipUnitAlarms]: 3,
};

/**
 * Topic settings other than the broker defaults. Compaction keeps the latest record per key
 * instead of deleting by age; the other topics keep the broker's retention.
 */
export const KafkaTopicConfigs: Partial<Record<KafkaTopic, Record<string, string>>> = {
  [KafkaTopics.registryDevices]: { 'cleanup.policy': 'compact' },
  [KafkaTopics.registryHomeCareTeams]: { 'cleanup.policy': 'compact' },
  [KafkaTopics.registryResidents]: { 'cleanup.policy': 'compact' },
  [KafkaTopics.registryMunicipalities]: { 'cleanup.policy': 'compact' },
  [KafkaTopics.scaipUnitAlarms]: { 'cleanup.policy': 'compact' },
};

/** The two lanes of device events: life-safety alarms apart from telemetry, end to end. */
export type DeviceEventLane = 'alarm' | 'telemetry';

const ALARM_LANE_TYPES: ReadonlySet<DeviceEventType> = new Set<DeviceEventType>([
  'alarm.button',
  'fall.detected',
  'alarm.cancelled',
]);

/** Which lane an event of this type travels in. */
export function deviceEventLane(type: DeviceEventType): DeviceEventLane {
  return ALARM_LANE_TYPES.has(type) ? 'alarm' : 'telemetry';
}

/** The Kafka topic of the lane an event of this type travels in. */
export function deviceEventTopicFor(type: DeviceEventType): KafkaTopic {
  return deviceEventLane(type) === 'alarm' ? KafkaTopics.deviceAlarms : KafkaTopics.deviceEvents;
}

/** Both lanes' topics, for consumers and taps that read every device event. */
export const DEVICE_EVENT_TOPICS: readonly KafkaTopic[] = [KafkaTopics.deviceAlarms, KafkaTopics.deviceEvents];

/** MQTT subscription for every device's events (contract section 2). */
export const DEVICE_EVENTS_TOPIC_FILTER = 'devices/+/events';

export function deviceEventsTopic(deviceId: string): string {
  return `devices/${deviceId}/events`;
}

export function deviceCommandsTopic(deviceId: string): string {
  return `devices/${deviceId}/commands`;
}

const DEVICE_EVENTS_TOPIC = /^devices\/([^/]+)\/events$/;

/** The device id in `devices/{id}/events`, or null when the topic has another shape. */
export function deviceIdFromEventsTopic(topic: string): string | null {
  const match = DEVICE_EVENTS_TOPIC.exec(topic);
  return match ? match[1] : null;
}

/** Every topic with its partition count, for creating missing topics at start-up. */
export function contractTopicSpecs(): {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}[] {
  return Object.entries(KafkaTopicPartitions).map(([topic, numPartitions]) => {
    const configs = KafkaTopicConfigs[topic as KafkaTopic];
    if (!configs) return { topic, numPartitions };
    return { topic, numPartitions, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) };
  });
}
