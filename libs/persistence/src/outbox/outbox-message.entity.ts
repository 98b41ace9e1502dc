import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A Kafka record written in the same transaction as the change that caused it, and sent by
 * the outbox relay after commit: a crash between commit and send delays it, never loses it.
 */
@Entity({ name: 'outbox_messages' })
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar' })
  topic: string;

  @Column({ name: 'message_key', type: 'varchar' })
  messageKey: string;

  @Column({ type: 'text' })
  payload: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
