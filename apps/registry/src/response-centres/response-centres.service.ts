import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere } from 'typeorm';
import { centresWhere, idWithin, Tenancy } from '../access/tenancy';
import { notFound } from '../common/registry-errors';
import { RegistryChanges } from '../outbox/registry-changes';
import { CreateResponseCentreDto, UpdateResponseCentreDto } from './dto/response-centre.dto';
import { ResponseCentre } from './response-centre.entity';

/** Response centres. No device record names a centre's name, so changes here publish nothing. */
@Injectable()
export class ResponseCentresService {
  constructor(private readonly changes: RegistryChanges) {}

  list(tenancy: Tenancy): Promise<ResponseCentre[]> {
    return this.changes.manager.find(ResponseCentre, { where: centresWhere(tenancy), order: { name: 'ASC' } });
  }

  get(tenancy: Tenancy, id: string): Promise<ResponseCentre> {
    return requireResponseCentre(this.changes.manager, id, centresWhere(tenancy));
  }

  create(input: CreateResponseCentreDto): Promise<ResponseCentre> {
    return this.changes.run(async (manager, at) => {
      const centre = manager.create(ResponseCentre, {
        id: randomUUID(),
        name: input.name,
        createdAt: at,
        updatedAt: at,
      });
      await manager.insert(ResponseCentre, centre);
      return centre;
    });
  }

  update(tenancy: Tenancy, id: string, input: UpdateResponseCentreDto): Promise<ResponseCentre> {
    return this.changes.run(async (manager, at) => {
      await requireResponseCentre(manager, id, centresWhere(tenancy));
      await manager.update(ResponseCentre, { id }, { ...input, updatedAt: at });
      return requireResponseCentre(manager, id);
    });
  }

  /** Refused with 409 while a municipality is served by it. */
  remove(tenancy: Tenancy, id: string): Promise<void> {
    return this.changes.run(async (manager) => {
      await requireResponseCentre(manager, id, centresWhere(tenancy));
      await manager.delete(ResponseCentre, { id });
    });
  }
}

/** `where`: the caller's tenancy; a centre outside it is not found. */
export async function requireResponseCentre(
  manager: EntityManager,
  id: string,
  where: FindOptionsWhere<ResponseCentre> = {},
): Promise<ResponseCentre> {
  const centre = await manager.findOneBy(ResponseCentre, idWithin(where, id));
  if (!centre) throw notFound('response_centre', id);
  return centre;
}
