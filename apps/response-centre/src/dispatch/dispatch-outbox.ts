import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DispatchRecord, encodeDispatchRecord, KafkaTopics } from '@welfare/contracts';
import { OutboxMessage } from '@welfare/persistence';

/**
 * Queues dispatch records for home care inside the caller's transaction; the relay sends them
 * after commit. Keyed by alarm id, so a request and its withdrawal, and the dispatches of one
 * alarm, reach home care in the order they were made.
 */
@Injectable()
export class DispatchOutbox {
  async enqueue(manager: EntityManager, record: DispatchRecord, at: Date): Promise<void> {
    await manager.insert(OutboxMessage, {
      topic: KafkaTopics.dispatches,
      messageKey: record.alarmId,
      payload: encodeDispatchRecord(record).toString('utf8'),
      createdAt: at,
    });
  }
}
