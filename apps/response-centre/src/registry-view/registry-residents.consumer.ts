import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { decodeRegistryMunicipalityRecord, decodeRegistryResidentRecord, KafkaTopics } from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer, PoisonRecordError } from '@welfare/kafka';
import { isTransientDatabaseError } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { RegistryResidentsRepository } from './registry-residents.repository';

/** Keeps the local view of the registry's residents and municipalities, read from the compacted topics from the start. */
@Injectable()
export class RegistryResidentsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: ManagedConsumer | null = null;

  constructor(
    private readonly consumers: KafkaConsumersService,
    private readonly residents: RegistryResidentsRepository,
    private readonly config: ResponseCentreConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.consumers.create({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}.registry-residents`,
      topics: [KafkaTopics.registryResidents, KafkaTopics.registryMunicipalities],
      handle: (record) => this.handle(record),
      isTransient: isTransientDatabaseError,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle(record: ConsumedRecord): Promise<void> {
    if (record.topic === KafkaTopics.registryResidents) {
      const decoded = decodeRegistryResidentRecord(record.message.value);
      if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
      await this.residents.upsertResident(decoded);
    } else {
      const decoded = decodeRegistryMunicipalityRecord(record.message.value);
      if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
      await this.residents.upsertMunicipality(decoded);
    }
  }
}
