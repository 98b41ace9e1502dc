import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DeviceCommand, DeviceCommandRecord, encodeRecord, KafkaTopics } from '@welfare/contracts';
import { OutboxMessage } from '@welfare/persistence';

/** Queues device commands inside the caller's transaction; the relay sends them after commit. */
@Injectable()
export class DeviceCommandOutbox {
  async enqueue(manager: EntityManager, deviceId: string, command: DeviceCommand, at: Date): Promise<void> {
    const record: DeviceCommandRecord = { v: 1, deviceId, issuedAt: at.toISOString(), command };
    await manager.insert(OutboxMessage, {
      topic: KafkaTopics.deviceCommands,
      messageKey: deviceId,
      payload: encodeRecord(record).toString('utf8'),
      createdAt: at,
    });
  }
}
