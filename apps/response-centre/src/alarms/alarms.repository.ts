import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Alarm } from './alarm.entity';
import type { AlarmOutcome, AlarmState } from './alarm-state';

/** Every query on alarms. Conditional updates make each state change race-free. */
@Injectable()
export class AlarmsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, alarm: Alarm): Promise<void> {
    await manager.insert(Alarm, alarm);
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Alarm | null> {
    return manager.findOneBy(Alarm, { id });
  }

  async findByTrigger(manager: EntityManager, deviceId: string, triggerEventId: string): Promise<Alarm | null> {
    return manager.findOneBy(Alarm, { deviceId, triggerEventId });
  }

  /** The unresolved queue: most urgent first, then oldest first. */
  async findUnresolved(limit: number, states: AlarmState[] = ['open', 'acknowledged']): Promise<Alarm[]> {
    return this.dataSource.manager.find(Alarm, {
      where: { state: In(states) },
      order: { priority: 'ASC', openedAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /** Takes the alarm for the operator if nobody has; false when it was not open any more. */
  async acknowledgeIfOpen(manager: EntityManager, id: string, operatorId: string, at: Date): Promise<boolean> {
    return this.transition(manager, id, 'open', { state: 'acknowledged', acknowledgedBy: operatorId, acknowledgedAt: at, updatedAt: at });
  }

  async resolveIfAcknowledged(manager: EntityManager, id: string, operatorId: string, outcome: AlarmOutcome, at: Date): Promise<boolean> {
    return this.transition(manager, id, 'acknowledged', { state: 'resolved', resolvedBy: operatorId, resolvedAt: at, outcome, updatedAt: at });
  }

  /** UPDATE ... WHERE state = from: of two concurrent callers exactly one changes the row. */
  private async transition(manager: EntityManager, id: string, from: AlarmState, changes: Partial<Alarm>): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Alarm)
      .set(changes)
      .where('id = :id AND state = :from', { id, from })
      .execute();
    return (result.affected ?? 0) === 1;
  }
}
