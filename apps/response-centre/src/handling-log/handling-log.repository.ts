import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm';
import type { OutboxRow } from '../outbox/device-command-outbox';
import { ActorKind, HandlingLogEntry, HandlingStep } from './handling-log-entry.entity';

export interface HandlingStepRecord {
  alarmId: string;
  step: HandlingStep;
  at: Date;
  actorKind: ActorKind;
  actorId: string;
  details?: Record<string, unknown>;
}

/** Appends to and reads the handling log; there is deliberately no update or delete. */
@Injectable()
export class HandlingLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async append(manager: EntityManager, record: HandlingStepRecord): Promise<void> {
    // TypeORM's deep-partial type cannot express an open JSON object; the shape is checked above.
    const entry = { ...record, details: record.details ?? {} } as QueryDeepPartialEntity<HandlingLogEntry>;
    await manager.insert(HandlingLogEntry, entry);
  }

  /**
   * Appends a step and, in the same statement, queues the device's command: one round trip
   * instead of two on the alarm path, where each waits for a core when the machine is busy.
   */
  async appendWithCommand(
    manager: EntityManager,
    record: HandlingStepRecord,
    command: OutboxRow | null,
  ): Promise<void> {
    if (!command) return this.append(manager, record);
    await manager.query(
      `WITH step AS (
         INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id, details)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       )
       INSERT INTO outbox_messages (topic, message_key, payload, created_at) VALUES ($7, $8, $9, $10)`,
      [
        record.alarmId,
        record.step,
        record.at,
        record.actorKind,
        record.actorId,
        JSON.stringify(record.details ?? {}),
        command.topic,
        command.messageKey,
        command.payload,
        command.createdAt,
      ],
    );
  }

  async forAlarm(alarmId: string): Promise<HandlingLogEntry[]> {
    return this.dataSource.manager.find(HandlingLogEntry, { where: { alarmId }, order: { id: 'ASC' } });
  }
}
