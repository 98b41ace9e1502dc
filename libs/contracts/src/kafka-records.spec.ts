import { createHash } from 'node:crypto';
import {
  DEAD_LETTER_PAYLOAD_LIMIT,
  decodeDeviceCommandRecord,
  decodeDeviceEventRecord,
  encodeRecord,
  rawPayload,
} from './kafka-records';
import { deviceEventLane, deviceEventTopicFor, KafkaTopics } from './topics';
import { DEVICE_EVENT_TYPES } from './device-event.types';

const event = { id: 'e1', type: 'alarm.button', time: '2026-11-23T10:00:00Z', extra: 1 };

describe('device-event records', () => {
  it('round-trips a record through its encoding', () => {
    const record = { v: 1 as const, deviceId: 'dev-1', receivedAt: '2026-11-23T10:00:01.000Z', event: event as never };
    expect(decodeDeviceEventRecord(encodeRecord(record))).toEqual(record);
  });

  it.each([
    ['no value', null, 'invalid_json'],
    ['not JSON', Buffer.from('{'), 'invalid_json'],
    [
      'wrong version',
      Buffer.from(JSON.stringify({ v: 2, deviceId: 'd', receivedAt: '2026-01-01T00:00:00Z', event })),
      'invalid_field',
    ],
    [
      'bad device id',
      Buffer.from(JSON.stringify({ v: 1, deviceId: 'a b', receivedAt: '2026-01-01T00:00:00Z', event })),
      'invalid_field',
    ],
    ['no receivedAt', Buffer.from(JSON.stringify({ v: 1, deviceId: 'd', event })), 'invalid_field'],
    [
      'event breaks the contract',
      Buffer.from(
        JSON.stringify({ v: 1, deviceId: 'd', receivedAt: '2026-01-01T00:00:00Z', event: { ...event, type: 'x' } }),
      ),
      'unknown_type',
    ],
  ])('refuses a record with %s (poison for the consumer)', (_name, value, reason) => {
    expect(decodeDeviceEventRecord(value as Buffer | null)).toMatchObject({ reason });
  });
});

describe('device-command records', () => {
  it('accepts both command types and refuses others', () => {
    const ok = {
      v: 1,
      deviceId: 'dev-1',
      issuedAt: '2026-11-23T10:00:00Z',
      command: { type: 'alarm.acknowledged', alarmId: 'a1' },
    };
    expect(decodeDeviceCommandRecord(Buffer.from(JSON.stringify(ok)))).toEqual(ok);
    const bad = { ...ok, command: { type: 'reboot' } };
    expect(decodeDeviceCommandRecord(Buffer.from(JSON.stringify(bad)))).toMatchObject({ reason: 'unknown_type' });
    expect(decodeDeviceCommandRecord(Buffer.from('nope'))).toMatchObject({ reason: 'invalid_json' });
  });
});

describe('rawPayload', () => {
  it('keeps UTF-8 text readable and other bytes lossless as base64', () => {
    expect(rawPayload(Buffer.from('hei på deg'))).toEqual({ encoding: 'utf8', data: 'hei på deg' });
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x41]);
    const raw = rawPayload(binary);
    expect(raw.encoding).toBe('base64');
    expect(Buffer.from(raw.data, 'base64')).toEqual(binary);
  });

  it('keeps only the first 64 KiB of a huge payload, with its size and hash, so the dead letter fits in Kafka', () => {
    const huge = Buffer.alloc(3 * 1024 * 1024, 'x');
    const raw = rawPayload(huge);
    expect(raw).toMatchObject({
      encoding: 'utf8',
      truncatedFrom: huge.byteLength,
      sha256: createHash('sha256').update(huge).digest('hex'),
    });
    expect(raw.data).toHaveLength(DEAD_LETTER_PAYLOAD_LIMIT);
    expect(rawPayload(Buffer.alloc(DEAD_LETTER_PAYLOAD_LIMIT, 'y'))).not.toHaveProperty('truncatedFrom');
  });
});

describe('device event lanes', () => {
  it('puts what opens a priority-1 alarm, and its cancellation, in the alarm lane; the rest is telemetry', () => {
    const alarmLane = DEVICE_EVENT_TYPES.filter((type) => deviceEventLane(type) === 'alarm');
    expect(alarmLane.sort()).toEqual(['alarm.button', 'alarm.cancelled', 'fall.detected']);
    expect(deviceEventTopicFor('alarm.button')).toBe(KafkaTopics.deviceAlarms);
    expect(deviceEventTopicFor('heartbeat')).toBe(KafkaTopics.deviceEvents);
    expect(deviceEventTopicFor('door.opened')).toBe(KafkaTopics.deviceEvents);
  });
});
