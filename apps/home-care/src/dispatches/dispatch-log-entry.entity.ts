import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const DISPATCH_LOG_STEPS = [
  'requested',
  'accepted',
  'declined',
  'en_route',
  'arrived',
  'completed',
  'expired',
  'withdrawn',
] as const;
export type DispatchLogStep = (typeof DISPATCH_LOG_STEPS)[number];

export const DISPATCH_ACTOR_KINDS = ['response_centre', 'home_care', 'system'] as const;
export type DispatchActorKind = (typeof DISPATCH_ACTOR_KINDS)[number];

/**
 * One step of a dispatch: who, when, what. Rows are only ever inserted, in the transaction of
 * the change they record; the database refuses updates and deletes. The `tx` column (the
 * writing transaction's xid8, set by its default) is deliberately not mapped: TypeORM has no
 * xid8 type, and only the stream's SQL reads it.
 */
@Entity({ name: 'dispatch_log' })
export class DispatchLogEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'dispatch_id', type: 'uuid' })
  dispatchId: string;

  /** The dispatch's team, copied so the team's stream reads one index. */
  @Column({ name: 'home_care_team_id', type: 'uuid' })
  homeCareTeamId: string;

  @Column({ type: 'varchar' })
  step: DispatchLogStep;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'actor_kind', type: 'varchar' })
  actorKind: DispatchActorKind;

  /** The token subject (nurse), the centre's operator id, or `home-care` for this service itself. */
  @Column({ name: 'actor_id', type: 'varchar' })
  actorId: string;

  @Column({ name: 'actor_name', type: 'varchar', nullable: true })
  actorName: string | null;

  @Column({ type: 'jsonb' })
  details: Record<string, unknown>;
}
