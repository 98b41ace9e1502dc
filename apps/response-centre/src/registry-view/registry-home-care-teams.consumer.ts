import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { decodeRegistryHomeCareTeamRecord, KafkaTopics } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { RegistryHomeCareTeamsRepository } from './registry-home-care-teams.repository';

/**
 * Keeps the local view of the registry's home-care teams (the compacted topic, read from the
 * start in a consumer group of its own), so a dispatch is checked without a call to the registry.
 * The topic is created at start-up like every contract topic: while the registry does not
 * publish it, this consumer reads nothing and the view stays empty.
 */
@Injectable()
export class RegistryHomeCareTeamsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;

  constructor(
    private readonly consumers: KafkaConsumersService,
    private readonly teams: RegistryHomeCareTeamsRepository,
    private readonly config: ResponseCentreConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}.registry-home-care-teams`,
      topics: [KafkaTopics.registryHomeCareTeams],
      handle: (record) => this.handle(record),
      isTransient: isTransientDatabaseError,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle(record: ConsumedRecord): Promise<void> {
    const decoded = decodeRegistryHomeCareTeamRecord(record.message.value);
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await this.teams.upsert(decoded);
  }
}
