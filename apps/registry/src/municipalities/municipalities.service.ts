import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { notFound } from '../common/registry-errors';
import { RegistryChanges } from '../outbox/registry-changes';
import { RegistryRecordOutbox } from '../outbox/registry-record-outbox';
import { requireResponseCentre } from '../response-centres/response-centres.service';
import { CreateMunicipalityDto, UpdateMunicipalityDto } from './dto/municipality.dto';
import { Municipality } from './municipality.entity';

@Injectable()
export class MunicipalitiesService {
  constructor(
    private readonly changes: RegistryChanges,
    private readonly records: RegistryRecordOutbox,
  ) {}

  list(responseCentreId?: string): Promise<Municipality[]> {
    return this.changes.manager.find(Municipality, { where: responseCentreId ? { responseCentreId } : {}, order: { number: 'ASC' } });
  }

  get(id: string): Promise<Municipality> {
    return requireMunicipality(this.changes.manager, id);
  }

  create(input: CreateMunicipalityDto): Promise<Municipality> {
    return this.changes.run(async (manager, at) => {
      await requireResponseCentre(manager, input.responseCentreId);
      const municipality = manager.create(Municipality, { id: randomUUID(), ...input, createdAt: at, updatedAt: at });
      await manager.insert(Municipality, municipality);
      return municipality;
    });
  }

  /** Moving a municipality to another centre re-publishes the record of every device in it. */
  update(id: string, input: UpdateMunicipalityDto): Promise<Municipality> {
    return this.changes.run(async (manager, at) => {
      const before = await requireMunicipality(manager, id);
      if (input.responseCentreId) await requireResponseCentre(manager, input.responseCentreId);
      await manager.update(Municipality, { id }, { ...input, updatedAt: at });
      if (input.responseCentreId && input.responseCentreId !== before.responseCentreId) {
        await this.records.publishDevicesOfMunicipality(manager, id, at);
      }
      return requireMunicipality(manager, id);
    });
  }

  /** Refused with 409 while teams or residents belong to it. */
  remove(id: string): Promise<void> {
    return this.changes.run(async (manager) => {
      await requireMunicipality(manager, id);
      await manager.delete(Municipality, { id });
    });
  }
}

export async function requireMunicipality(manager: EntityManager, id: string): Promise<Municipality> {
  const municipality = await manager.findOneBy(Municipality, { id });
  if (!municipality) throw notFound('municipality', id);
  return municipality;
}
