/**
 * Every topic name the apps use to speak to each other. Apps import these; no app
 * spells a topic name itself.
 */
export const KafkaTopics = {
  /** Validated device events, keyed by device id (one device's events stay in order). */
  deviceEvents: 'device-events.v1',
  /** Device messages that failed validation, and consumer poison messages, with the reason. */
  deviceEventsDeadLetter: 'device-events.dead-letter.v1',
  /** Commands for devices (alarm.received, alarm.acknowledged), keyed by device id. */
  deviceCommands: 'device-commands.v1',
} as const;

export type KafkaTopic = (typeof KafkaTopics)[keyof typeof KafkaTopics];

/** Partition counts used when the apps create missing topics at start-up. */
export const KafkaTopicPartitions: Record<KafkaTopic, number> = {
  [KafkaTopics.deviceEvents]: 6,
  [KafkaTopics.deviceEventsDeadLetter]: 1,
  [KafkaTopics.deviceCommands]: 3,
};

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
export function contractTopicSpecs(): { topic: string; numPartitions: number }[] {
  return Object.entries(KafkaTopicPartitions).map(([topic, numPartitions]) => ({ topic, numPartitions }));
}
