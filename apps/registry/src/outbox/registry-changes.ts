import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '@welfare/platform';
import { constraintViolation } from '../common/registry-errors';
import { OutboxRelayService } from '@welfare/persistence';
import { BrokerAccessService } from '../broker-access/broker-access.service';

/**
 * Every registry change runs here: one transaction for the change and its outbox rows, the
 * broker's device credentials confirmed just before it commits (BrokerAccessService), the
 * database's refusals turned into 409s, and the relay woken once the transaction committed.
 *
 * The change answers only once the relay has put its records on Kafka (at most
 * PUBLISH_WAIT_MS): a device onboarded by this answer may sign in and press at once, and the
 * ingestor judges a device it does not know as active by reading the registry topic to its
 * end at the press. Answering before the record is there could refuse that press as "in stock".
 * When Kafka is away the answer goes after the wait; the rows stay and are sent later.
 */
const PUBLISH_WAIT_MS = 5_000;

@Injectable()
export class RegistryChanges {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelayService,
    private readonly clock: Clock,
    private readonly brokerAccess: BrokerAccessService,
  ) {}

  async run<T>(change: (manager: EntityManager, at: Date) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const changed = await change(manager, this.clock.now());
        await this.brokerAccess.applyStaged(manager);
        return changed;
      });
    } catch (error) {
      throw constraintViolation(error) ?? error;
    }
    await Promise.race([this.relay.drain(), delay(PUBLISH_WAIT_MS, undefined, { ref: false })]);
    return result;
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }
}
