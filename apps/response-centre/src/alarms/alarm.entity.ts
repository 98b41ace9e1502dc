import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AlarmKind, AlarmPriority, AlarmTrigger } from './alarm-rules';
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
  triggerType: AlarmTrigger;

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

  @Column({ type: 'varchar' })
  kind: AlarmKind;

  /** Resident (or device) and trigger type: one unresolved alarm per key; repeats attach to it. */
  @Column({ name: 'correlation_key', type: 'varchar' })
  correlationKey: string;

  /** Repeats attached to the alarm (button pressed again, a second fall). */
  @Column({ name: 'repeat_count', type: 'integer' })
  repeatCount: number;

  /** When the newest attached repeat happened, by the device's clock. */
  @Column({ name: 'last_triggered_at', type: 'timestamptz' })
  lastTriggeredAt: Date;

  /** When the resident cancelled it at the device; an operator still closes it. */
  @Column({ name: 'cancelled_at_device_at', type: 'timestamptz', nullable: true })
  cancelledAtDeviceAt: Date | null;

  /** 0 until the alarm has waited unacknowledged past its priority's limit; rises each time again. */
  @Column({ name: 'escalation_level', type: 'smallint' })
  escalationLevel: number;

  /** When the next escalation is due; null once acknowledged or resolved. */
  @Column({ name: 'escalate_at', type: 'timestamptz', nullable: true })
  escalateAt: Date | null;
}
