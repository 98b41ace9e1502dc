import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeviceEventType } from '@welfare/contracts';
import type { AlarmPriority } from './alarm-rules';
import type { AlarmOutcome, AlarmState } from './alarm-state';

@Entity({ name: 'alarms' })
export class Alarm {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'device_id', type: 'varchar' })
  deviceId: string;

  /** The device event that opened the alarm; (deviceId, triggerEventId) is unique. */
  @Column({ name: 'trigger_event_id', type: 'varchar' })
  triggerEventId: string;

  @Column({ name: 'trigger_type', type: 'varchar' })
  triggerType: DeviceEventType;

  @Column({ type: 'smallint' })
  priority: AlarmPriority;

  @Column({ type: 'varchar' })
  state: AlarmState;

  /** When it happened, by the device's clock. */
  @Column({ name: 'triggered_at', type: 'timestamptz' })
  triggeredAt: Date;

  /** When the response centre stored it: the queue's age counts from here. */
  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;

  @Column({ name: 'acknowledged_by', type: 'varchar', nullable: true })
  acknowledgedBy: string | null;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null;

  @Column({ name: 'resolved_by', type: 'varchar', nullable: true })
  resolvedBy: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  @Column({ type: 'varchar', nullable: true })
  outcome: AlarmOutcome | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** From the registry's view when the alarm opened; null when the registry did not know the device. */
  @Column({ name: 'resident_id', type: 'uuid', nullable: true })
  residentId: string | null;

  @Column({ name: 'municipality_id', type: 'uuid', nullable: true })
  municipalityId: string | null;

  @Column({ name: 'response_centre_id', type: 'uuid', nullable: true })
  responseCentreId: string | null;
}
