import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The steps and their labels are one vocabulary in libs/contracts, shared with the pages. */
export { HANDLING_STEPS, type HandlingStep } from '@welfare/contracts';
import type { HandlingStep } from '@welfare/contracts';

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
