/**
 * What the simulated devices send: a weighted mix of contract v1 events, spread evenly (not
 * randomly), so two runs with the same options send the same sequence.
 */
import { DEVICE_EVENT_TYPES, DeviceEventRecord, DeviceEventType, encodeRecord } from '@welfare/contracts';
import { alarmPriorityFor } from '../../apps/response-centre/src/alarms/alarm-rules';

export interface MixEntry {
  type: DeviceEventType;
  weight: number;
}

/** Mostly heartbeats and positions, some door events, a few alarms. */
export const DEFAULT_MIX = 'heartbeat=50,gps.position=34,door.opened=6,door.closed=6,alarm.button=3,fall.detected=1';

/** `type=weight,...` into entries; throws on unknown types or bad weights. */
export function parseMix(text: string): MixEntry[] {
  const entries = text
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const [type, weight] = part.split('=');
      if (!(DEVICE_EVENT_TYPES as readonly string[]).includes(type))
        throw new Error(`--mix: unknown event type "${type}"`);
      const value = Number(weight);
      if (!Number.isInteger(value) || value <= 0)
        throw new Error(`--mix: weight of ${type} must be a positive integer`);
      return { type: type as DeviceEventType, weight: value };
    });
  if (entries.length === 0) throw new Error('--mix is empty');
  return entries;
}

/** Whether the response centre opens an alarm or attaches the event to one (and sends alarm.received) for this type: its own rule. */
export function opensAlarm(type: DeviceEventType): boolean {
  return alarmPriorityFor(type) !== null;
}

export function describeMix(mix: MixEntry[]): string {
  const total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  return mix.map((entry) => `${entry.type} ${Math.round((entry.weight * 100) / total)}%`).join(', ');
}

/** Smooth weighted round robin: each type appears in proportion to its weight, evenly interleaved. */
export class MixCycle {
  private readonly current: number[];
  private readonly total: number;

  constructor(private readonly mix: MixEntry[]) {
    this.current = mix.map(() => 0);
    this.total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  }

  next(): DeviceEventType {
    let best = 0;
    for (let i = 0; i < this.mix.length; i++) {
      this.current[i] += this.mix[i].weight;
      if (this.current[i] > this.current[best]) best = i;
    }
    this.current[best] -= this.total;
    return this.mix[best].type;
  }
}

/** A contract event of `type`; `n` varies the values a little, as a real fleet would. */
export function buildEvent(type: DeviceEventType, id: string, n: number): Record<string, unknown> {
  const base = { id, type, time: new Date().toISOString() };
  switch (type) {
    case 'heartbeat':
      return { ...base, battery: 40 + (n % 60) };
    case 'gps.position':
      return { ...base, lat: 59.9 + (n % 1000) / 10_000, lon: 10.7 + (n % 997) / 10_000, accuracy: 5 + (n % 20) };
    case 'door.opened':
    case 'door.closed':
      return { ...base, door: 'front' };
    case 'fall.detected':
      return { ...base, confidence: 0.9 };
    case 'battery.low':
      return { ...base, battery: 8 };
    case 'alarm.cancelled':
      return { ...base, ref: `${id}-ref` };
    default:
      return base;
  }
}

export interface RecordSizes {
  /** Mean MQTT payload (the event JSON) over the mix, bytes. */
  mqttPayloadBytes: number;
  /** Mean device-events.v1 record over the mix: value + key + headers, bytes. */
  kafkaRecordBytes: number;
}

/**
 * Sizes of what the mix puts on the wire, weighted by the mix. The Kafka figure counts the key
 * and the headers the ingestor adds too, so the producer tool sends the same bytes per record.
 */
export function recordSizes(mix: MixEntry[], sampleDeviceId: string, sampleEventId: string): RecordSizes {
  const total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  let mqtt = 0;
  let kafka = 0;
  for (const { type, weight } of mix) {
    const event = buildEvent(type, sampleEventId, 12_345);
    const record = { v: 1, deviceId: sampleDeviceId, receivedAt: new Date().toISOString(), event } as DeviceEventRecord;
    const headers = 'type'.length + type.length + 'eventId'.length + sampleEventId.length;
    mqtt += weight * Buffer.byteLength(JSON.stringify(event));
    kafka += weight * (encodeRecord(record).length + sampleDeviceId.length + headers);
  }
  return { mqttPayloadBytes: Math.round(mqtt / total), kafkaRecordBytes: Math.round(kafka / total) };
}
