import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import {
  isRejection,
  decodeDispatchUpdateRecord,
  DispatchActor,
  DispatchUpdateRecord,
  DispatchUpdateType,
  encodeDispatchRecord,
  KafkaTopics,
} from '@welfare/contracts';
import { OutboxMessage } from '@welfare/persistence';
import type { Dispatch } from '../dispatches/dispatch.entity';

/**
 * Queues a dispatch update for the response centre inside the caller's transaction (key: alarm
 * id, so every record about one alarm stays in order); the relay sends it after commit. Each
 * update has a fresh updateId, by which the centre stores it once.
 */
@Injectable()
export class DispatchUpdateOutbox {
  async enqueue(
    manager: EntityManager,
    dispatch: Pick<Dispatch, 'id' | 'alarmId' | 'homeCareTeamId'>,
    type: DispatchUpdateType,
    actor: DispatchActor,
    at: Date,
    extra: { reason?: string; report?: string } = {},
  ): Promise<DispatchUpdateRecord> {
    const record: DispatchUpdateRecord = {
      v: 1,
      type,
      updateId: randomUUID(),
      dispatchId: dispatch.id,
      alarmId: dispatch.alarmId,
      homeCareTeamId: dispatch.homeCareTeamId,
      actor,
      at: at.toISOString(),
      ...extra,
    };
    const payload = encodeDispatchRecord(record);
    // What the centre's decoder would refuse must not leave: it would be dead-lettered there.
    const checked = decodeDispatchUpdateRecord(payload);
    // Not `'reason' in checked`: a valid dispatch.declined has a reason too. Only a record has `v`.
    if (isRejection(checked))
      throw new Error(`dispatch update ${type} for ${dispatch.id} breaks the contract: ${checked.detail}`);
    await manager.insert(OutboxMessage, {
      topic: KafkaTopics.dispatchUpdates,
      messageKey: dispatch.alarmId,
      payload: payload.toString('utf8'),
      createdAt: at,
    });
    return record;
  }
}
