import { ACTIVE_DISPATCH_STATUSES, type DispatchStatus } from '@welfare/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * requested: waiting for a nurse to accept (until acceptBy); accepted, en_route, arrived: a
 * nurse is on it; completed: visit done (report in the handling log); declined, expired: home
 * care said no or nobody accepted in time; unanswered: home care said nothing at all past
 * acceptBy and a grace period (the centre's backstop); withdrawn: the operator took it back.
 */
export { DISPATCH_STATUSES, type DispatchStatus } from '@welfare/contracts';
/** A team may still be acting on these: at most one per alarm (a partial unique index holds it). */
export { ACTIVE_DISPATCH_STATUSES };

export function isActive(status: DispatchStatus): boolean {
  return ACTIVE_DISPATCH_STATUSES.includes(status);
}

/** A request to a home-care team to visit the resident of an alarm, and where it stands. */
@Entity({ name: 'dispatches' })
export class Dispatch {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'alarm_id', type: 'uuid' })
  alarmId: string;

  @Column({ name: 'home_care_team_id', type: 'uuid' })
  homeCareTeamId: string;

  /** The team's name when it was dispatched (the registry may rename it later). */
  @Column({ name: 'home_care_team_name', type: 'varchar' })
  homeCareTeamName: string;

  @Column({ name: 'municipality_id', type: 'uuid' })
  municipalityId: string;

  @Column({ type: 'varchar' })
  status: DispatchStatus;

  @Column({ type: 'varchar' })
  instructions: string;

  /** The operator's token subject. */
  @Column({ name: 'requested_by', type: 'varchar' })
  requestedBy: string;

  @Column({ name: 'requested_by_name', type: 'varchar', nullable: true })
  requestedByName: string | null;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt: Date;

  /** Not accepted by then: home care expires it; the centre's backstop waits a grace period more. */
  @Column({ name: 'accept_by', type: 'timestamptz' })
  acceptBy: Date;

  @Column({ name: 'accepted_by_id', type: 'varchar', nullable: true })
  acceptedById: string | null;

  @Column({ name: 'accepted_by_name', type: 'varchar', nullable: true })
  acceptedByName: string | null;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt: Date | null;

  @Column({ name: 'withdrawn_by', type: 'varchar', nullable: true })
  withdrawnBy: string | null;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  @Column({ name: 'withdraw_reason', type: 'varchar', nullable: true })
  withdrawReason: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
