import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm';
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

  async forAlarm(alarmId: string): Promise<HandlingLogEntry[]> {
    return this.dataSource.manager.find(HandlingLogEntry, { where: { alarmId }, order: { id: 'ASC' } });
  }
}
