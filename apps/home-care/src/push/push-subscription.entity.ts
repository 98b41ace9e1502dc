import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A nurse's phone that allowed notifications: where its push service takes messages for it
 * (endpoint) and the keys the messages are encrypted with (RFC 8291). One row per endpoint; a
 * phone that subscribes again (another nurse, another team) takes the row over.
 */
@Entity({ name: 'push_subscriptions' })
export class PushSubscription {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  endpoint: string;

  /** The browser's P-256 public key (base64url), for the payload's encryption. */
  @Column({ type: 'varchar', length: 100 })
  p256dh: string;

  /** The browser's authentication secret (base64url). */
  @Column({ type: 'varchar', length: 50 })
  auth: string;

  @Column({ name: 'home_care_team_id', type: 'uuid' })
  homeCareTeamId: string;

  @Column({ name: 'nurse_id', type: 'varchar', length: 200 })
  nurseId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
