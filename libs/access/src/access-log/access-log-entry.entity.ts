import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One read of a resident's personal data: who, what, when (Normen: logging of access to health data). Append-only. */
@Entity({ name: 'access_log' })
export class AccessLogEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'actor_subject', type: 'varchar' })
  actorSubject: string;

  @Column({ name: 'actor_name', type: 'varchar' })
  actorName: string;

  /** The roles the token carried, comma-separated. */
  @Column({ name: 'actor_roles', type: 'varchar' })
  actorRoles: string;

  /** The tenant the actor was scoped to (centre, municipality or team id); null for a system admin. */
  @Column({ name: 'actor_tenant', type: 'varchar', nullable: true })
  actorTenant: string | null;

  /** e.g. resident.read, resident.list, alarm.read */
  @Column({ type: 'varchar' })
  action: string;

  @Column({ name: 'resource_id', type: 'varchar' })
  resourceId: string;

  @Column({ name: 'resident_id', type: 'uuid', nullable: true })
  residentId: string | null;
}
