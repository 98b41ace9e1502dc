import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const HANDLING_STEPS = [
  'received',
  'repeated',
  'cancelled_at_device',
  'escalated',
  'acknowledged',
  'note',
  'cleared_by_device',
  'door_closed',
  'returned_to_safe_zone',
  'resolved',
  // Dispatch to a home-care team: the operator's request and withdrawal, what home care told
  // the centre (actor kind home_care), and the centre's backstop when home care said nothing.
  'dispatched',
  'dispatch_withdrawn',
  'dispatch_accepted',
  'dispatch_declined',
  'dispatch_en_route',
  'dispatch_arrived',
  'dispatch_completed',
  'dispatch_expired',
  'dispatch_unanswered',
] as const;
export type HandlingStep = (typeof HANDLING_STEPS)[number];

export const ACTOR_KINDS = ['device', 'operator', 'system', 'home_care'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/**
 * One step of an alarm's handling. Rows are only ever inserted, in the same transaction as
 * the state change they record; the database refuses updates and deletes.
 *
 * The table also has a column `tx` (xid8, the writing transaction, set by the database) that is
 * deliberately not mapped here: only the live feed reads it, in SQL (live/handling-log-feed.ts).
 */
@Entity({ name: 'alarm_handling_log' })
export class HandlingLogEntry {
  /** bigint: increases with every row, so it orders the steps of an alarm. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'alarm_id', type: 'uuid' })
  alarmId: string;

  @Column({ type: 'varchar' })
  step: HandlingStep;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'actor_kind', type: 'varchar' })
  actorKind: ActorKind;

  @Column({ name: 'actor_id', type: 'varchar' })
  actorId: string;

  @Column({ type: 'jsonb' })
  details: Record<string, unknown>;
}
