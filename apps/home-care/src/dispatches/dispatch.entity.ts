import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DispatchResident } from '@welfare/contracts';
import type { DispatchStatus } from './dispatch-state';

/**
 * A dispatch to a home-care team: what the response centre asked (with a snapshot of the
 * resident as it was at dispatch time) and what the team did with it. Each step's who and when
 * is kept in its own columns; the dispatch log keeps every step in order.
 */
@Entity({ name: 'dispatches' })
export class Dispatch {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'alarm_id', type: 'uuid' })
  alarmId: string;

  @Column({ name: 'home_care_team_id', type: 'uuid' })
  homeCareTeamId: string;

  @Column({ name: 'municipality_id', type: 'uuid' })
  municipalityId: string;

  @Column({ name: 'response_centre_id', type: 'uuid' })
  responseCentreId: string;

  @Column({ type: 'smallint' })
  priority: number;

  @Column({ name: 'trigger_type', type: 'varchar' })
  triggerType: string;

  @Column({ type: 'text' })
  instructions: string;

  /** As the response centre had the resident when it dispatched; null if it did not know them. */
  @Column({ type: 'jsonb', nullable: true })
  resident: DispatchResident | null;

  @Column({ name: 'resident_id', type: 'uuid', nullable: true })
  residentId: string | null;

  @Column({ name: 'requested_by_id', type: 'varchar' })
  requestedById: string;

  @Column({ name: 'requested_by_name', type: 'varchar', nullable: true })
  requestedByName: string | null;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt: Date;

  /** Not accepted by then: this service expires it and tells the centre. */
  @Column({ name: 'accept_by', type: 'timestamptz' })
  acceptBy: Date;

  /** When this service stored it. */
  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'varchar' })
  status: DispatchStatus;

  @Column({ name: 'accepted_by_id', type: 'varchar', nullable: true }) acceptedById: string | null;
  @Column({ name: 'accepted_by_name', type: 'varchar', nullable: true }) acceptedByName: string | null;
  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true }) acceptedAt: Date | null;

  @Column({ name: 'en_route_by_id', type: 'varchar', nullable: true }) enRouteById: string | null;
  @Column({ name: 'en_route_by_name', type: 'varchar', nullable: true }) enRouteByName: string | null;
  @Column({ name: 'en_route_at', type: 'timestamptz', nullable: true }) enRouteAt: Date | null;

  @Column({ name: 'arrived_by_id', type: 'varchar', nullable: true }) arrivedById: string | null;
  @Column({ name: 'arrived_by_name', type: 'varchar', nullable: true }) arrivedByName: string | null;
  @Column({ name: 'arrived_at', type: 'timestamptz', nullable: true }) arrivedAt: Date | null;

  @Column({ name: 'completed_by_id', type: 'varchar', nullable: true }) completedById: string | null;
  @Column({ name: 'completed_by_name', type: 'varchar', nullable: true }) completedByName: string | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ type: 'text', nullable: true }) report: string | null;

  @Column({ name: 'declined_by_id', type: 'varchar', nullable: true }) declinedById: string | null;
  @Column({ name: 'declined_by_name', type: 'varchar', nullable: true }) declinedByName: string | null;
  @Column({ name: 'declined_at', type: 'timestamptz', nullable: true }) declinedAt: Date | null;
  @Column({ name: 'decline_reason', type: 'text', nullable: true }) declineReason: string | null;

  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true }) expiredAt: Date | null;

  @Column({ name: 'withdrawn_by_id', type: 'varchar', nullable: true }) withdrawnById: string | null;
  @Column({ name: 'withdrawn_by_name', type: 'varchar', nullable: true }) withdrawnByName: string | null;
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true }) withdrawnAt: Date | null;
  @Column({ name: 'withdrawal_reason', type: 'text', nullable: true }) withdrawalReason: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
