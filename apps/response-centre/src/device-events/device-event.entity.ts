import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DeviceEvent, DeviceEventType } from '@welfare/contracts';

/**
 * Every event a device sent, once: (deviceId, eventId) is unique, which is what makes a
 * resend or a Kafka redelivery harmless.
 */
@Entity({ name: 'device_events' })
export class DeviceEventRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'device_id', type: 'varchar' })
  deviceId: string;

  @Column({ name: 'event_id', type: 'varchar' })
  eventId: string;

  @Column({ type: 'varchar' })
  type: DeviceEventType;

  /** The device's clock. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  /** When the ingestor received it. */
  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'stored_at', type: 'timestamptz' })
  storedAt: Date;

  /** The whole event as sent, extra fields included. */
  @Column({ type: 'json' })
  payload: DeviceEvent;

  @Column({ name: 'alarm_id', type: 'uuid', nullable: true })
  alarmId: string | null;
}
