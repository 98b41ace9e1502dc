import { Payload } from '@nestjs/microservices';
import {
  decodeRegistryHomeCareTeamRecord,
  decodeRegistryMunicipalityRecord,
  decodeRegistryResidentRecord,
  KafkaTopics,
} from '@welfare/contracts';
import type { Rejection } from '@welfare/contracts';
import { KafkaConsumerController, KafkaHandler, PoisonRecordError } from '@welfare/kafka';
import type { ConsumedRecord } from '@welfare/kafka';
import { RegistryHomeCareTeamsRepository } from './registry-home-care-teams.repository';
import { RegistryResidentsRepository } from './registry-residents.repository';
import { RegistryMemoryView } from './registry-memory-view';

/** The one consumer group of the three topics below. */
const GROUP = 'registry-residents';

/** A registry record, decoded; a refusal is dead-lettered. Registry records carry no `reason` of their own. */
function decoded<T extends object>(decode: (value: Buffer | null) => T | Rejection, record: ConsumedRecord): T {
  const result = decode(record.message.value);
  if ('reason' in result) throw new PoisonRecordError(result.reason, result.detail);
  return result;
}

/**
 * Keeps the local views of the registry's residents, municipalities and home-care teams, read
 * from their compacted topics from the start in one consumer group: the alarm detail, the
 * rules and the dispatch checks need no call to the registry. Residents and municipalities go
 * to the intake's view in memory first, so once a table shows a record, the intake has it too.
 */
@KafkaConsumerController()
export class RegistryResidentsController {
  constructor(
    private readonly residents: RegistryResidentsRepository,
    private readonly teams: RegistryHomeCareTeamsRepository,
    private readonly memory: RegistryMemoryView,
  ) {}

  @KafkaHandler(KafkaTopics.registryResidents, { group: GROUP })
  async resident(@Payload() record: ConsumedRecord): Promise<void> {
    const resident = decoded(decodeRegistryResidentRecord, record);
    this.memory.applyResident(resident);
    await this.residents.upsertResident(resident);
  }

  @KafkaHandler(KafkaTopics.registryMunicipalities, { group: GROUP })
  async municipality(@Payload() record: ConsumedRecord): Promise<void> {
    const municipality = decoded(decodeRegistryMunicipalityRecord, record);
    this.memory.applyMunicipality(municipality);
    await this.residents.upsertMunicipality(municipality);
  }

  @KafkaHandler(KafkaTopics.registryHomeCareTeams, { group: GROUP })
  async homeCareTeam(@Payload() record: ConsumedRecord): Promise<void> {
    await this.teams.upsert(decoded(decodeRegistryHomeCareTeamRecord, record));
  }
}
