import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { notFound } from '../common/registry-errors';
import { RegistryChanges } from '../outbox/registry-changes';
import { CreateResponseCentreDto, UpdateResponseCentreDto } from './dto/response-centre.dto';
import { ResponseCentre } from './response-centre.entity';

/** Response centres. No device record names a centre's name, so changes here publish nothing. */
@Injectable()
export class ResponseCentresService {
  constructor(private readonly changes: RegistryChanges) {}

  list(): Promise<ResponseCentre[]> {
    return this.changes.manager.find(ResponseCentre, { order: { name: 'ASC' } });
  }

  get(id: string, manager: EntityManager = this.changes.manager): Promise<ResponseCentre> {
    return requireResponseCentre(manager, id);
  }

  create(input: CreateResponseCentreDto): Promise<ResponseCentre> {
    return this.changes.run(async (manager, at) => {
      const centre = manager.create(ResponseCentre, { id: randomUUID(), name: input.name, createdAt: at, updatedAt: at });
      await manager.insert(ResponseCentre, centre);
      return centre;
    });
  }

  update(id: string, input: UpdateResponseCentreDto): Promise<ResponseCentre> {
    return this.changes.run(async (manager, at) => {
      await requireResponseCentre(manager, id);
      await manager.update(ResponseCentre, { id }, { ...input, updatedAt: at });
      return requireResponseCentre(manager, id);
    });
  }

  /** Refused with 409 while a municipality is served by it. */
  remove(id: string): Promise<void> {
    return this.changes.run(async (manager) => {
      await requireResponseCentre(manager, id);
      await manager.delete(ResponseCentre, { id });
    });
  }
}

export async function requireResponseCentre(manager: EntityManager, id: string): Promise<ResponseCentre> {
  const centre = await manager.findOneBy(ResponseCentre, { id });
  if (!centre) throw notFound('response_centre', id);
  return centre;
}
