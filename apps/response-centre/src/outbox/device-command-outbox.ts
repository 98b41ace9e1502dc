import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DeviceCommand, DeviceCommandRecord, encodeRecord, KafkaTopics } from '@welfare/contracts';
import { OutboxMessage } from '@welfare/persistence';

/** An outbox row as written: what a statement of another repository may insert with its own. */
export type OutboxRow = Pick<OutboxMessage, 'topic' | 'messageKey' | 'payload' | 'createdAt'>;

/** Queues device commands inside the caller's transaction; the relay sends them after commit. */
@Injectable()
export class DeviceCommandOutbox {
  async enqueue(manager: EntityManager, deviceId: string, command: DeviceCommand, at: Date): Promise<void> {
    await manager.insert(OutboxMessage, this.row(deviceId, command, at));
  }

  /** The row enqueue writes, for a caller that writes it in a statement of its own. */
  row(deviceId: string, command: DeviceCommand, at: Date): OutboxRow {
    const record: DeviceCommandRecord = { v: 1, deviceId, issuedAt: at.toISOString(), command };
    return {
      topic: KafkaTopics.deviceCommands,
      messageKey: deviceId,
      payload: encodeRecord(record).toString('utf8'),
      createdAt: at,
    };
  }
}
