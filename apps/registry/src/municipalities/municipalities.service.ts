import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere } from 'typeorm';
import { idWithin, municipalitiesWhere, Tenancy, within } from '../access/tenancy';
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

  /** The filter narrows the caller's tenancy, never widens it. */
  list(tenancy: Tenancy, responseCentreId?: string): Promise<Municipality[]> {
    return this.changes.manager.find(Municipality, {
      where: within(municipalitiesWhere(tenancy), 'responseCentreId', responseCentreId),
      order: { number: 'ASC' },
    });
  }

  get(tenancy: Tenancy, id: string): Promise<Municipality> {
    return requireMunicipality(this.changes.manager, id, municipalitiesWhere(tenancy));
  }

  create(input: CreateMunicipalityDto): Promise<Municipality> {
    return this.changes.run(async (manager, at) => {
      await requireResponseCentre(manager, input.responseCentreId);
      const municipality = manager.create(Municipality, { id: randomUUID(), ...input, createdAt: at, updatedAt: at });
      await manager.insert(Municipality, municipality);
      await this.records.publishMunicipality(manager, municipality.id, at);
      return requireMunicipality(manager, municipality.id);
    });
  }

  /** Moving a municipality to another centre re-publishes the record of every device in it. */
  update(tenancy: Tenancy, id: string, input: UpdateMunicipalityDto): Promise<Municipality> {
    return this.changes.run(async (manager, at) => {
      const before = await requireMunicipality(manager, id, municipalitiesWhere(tenancy));
      if (input.responseCentreId) await requireResponseCentre(manager, input.responseCentreId);
      await manager.update(Municipality, { id }, { ...input, updatedAt: at });
      if (input.responseCentreId && input.responseCentreId !== before.responseCentreId) {
        await this.records.publishDevicesOfMunicipality(manager, id, at);
      }
      await this.records.publishMunicipality(manager, id, at);
      return requireMunicipality(manager, id);
    });
  }

  /** Refused with 409 while teams or residents belong to it. */
  remove(tenancy: Tenancy, id: string): Promise<void> {
    return this.changes.run(async (manager, at) => {
      await requireMunicipality(manager, id, municipalitiesWhere(tenancy));
      await this.records.publishMunicipality(manager, id, at, true);
      await manager.delete(Municipality, { id });
    });
  }
}

/** `where`: the caller's tenancy; a municipality outside it is not found. */
export async function requireMunicipality(
  manager: EntityManager,
  id: string,
  where: FindOptionsWhere<Municipality> = {},
): Promise<Municipality> {
  const municipality = await manager.findOneBy(Municipality, idWithin(where, id));
  if (!municipality) throw notFound('municipality', id);
  return municipality;
}
