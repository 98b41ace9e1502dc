import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  decodeRegistryHomeCareTeamRecord,
  decodeRegistryMunicipalityRecord,
  decodeRegistryResidentRecord,
  KafkaTopics,
} from '@welfare/contracts';
import type { Rejection } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { RegistryHomeCareTeamsRepository } from './registry-home-care-teams.repository';
import { RegistryResidentsRepository } from './registry-residents.repository';
import { RegistryMemoryView } from './registry-memory-view';

/** How one registry topic is read into its view: decode (a refusal is dead-lettered), then keep. */
function intoView<T extends object>(
  decode: (value: Buffer | null) => T | Rejection,
  keep: (record: T) => Promise<void>,
): (value: Buffer | null) => Promise<void> {
  return async (value) => {
    const decoded = decode(value);
    // Registry records carry no `reason` of their own: one here is the decoder's refusal.
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await keep(decoded);
  };
}

/**
 * Keeps the local views of the registry's residents, municipalities and home-care teams, read
 * from their compacted topics from the start in one consumer group: the alarm detail, the
 * rules and the dispatch checks need no call to the registry.
 */
@Injectable()
export class RegistryResidentsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;
  private readonly views: Record<string, (value: Buffer | null) => Promise<void>>;

  constructor(
    private readonly consumers: KafkaConsumersService,
    residents: RegistryResidentsRepository,
    teams: RegistryHomeCareTeamsRepository,
    private readonly config: ResponseCentreConfig,
    memory: RegistryMemoryView,
  ) {
    this.views = {
      // Memory first: once the table shows the record, the intake's view has it too.
      [KafkaTopics.registryResidents]: intoView(decodeRegistryResidentRecord, (record) => {
        memory.applyResident(record);
        return residents.upsertResident(record);
      }),
      [KafkaTopics.registryMunicipalities]: intoView(decodeRegistryMunicipalityRecord, (record) => {
        memory.applyMunicipality(record);
        return residents.upsertMunicipality(record);
      }),
      [KafkaTopics.registryHomeCareTeams]: intoView(decodeRegistryHomeCareTeamRecord, (record) => teams.upsert(record)),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}.registry-residents`,
      topics: Object.keys(this.views),
      handle: (record) => this.handle(record),
      isTransient: isTransientDatabaseError,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private handle(record: ConsumedRecord): Promise<void> {
    return this.views[record.topic](record.message.value);
  }
}
