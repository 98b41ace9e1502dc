import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { DomainError } from '@welfare/platform';
import { notFound } from '../common/registry-errors';
import { requireHomeCareTeam } from '../home-care-teams/home-care-teams.service';
import { requireMunicipality } from '../municipalities/municipalities.service';
import { RegistryChanges } from '../outbox/registry-changes';
import { RegistryRecordOutbox } from '../outbox/registry-record-outbox';
import { CreateResidentDto, UpdateResidentDto } from './dto/resident.dto';
import { Resident } from './resident.entity';

@Injectable()
export class ResidentsService {
  constructor(
    private readonly changes: RegistryChanges,
    private readonly records: RegistryRecordOutbox,
  ) {}

  list(municipalityId?: string): Promise<Resident[]> {
    return this.changes.manager.find(Resident, { where: municipalityId ? { municipalityId } : {}, order: { name: 'ASC', id: 'ASC' } });
  }

  get(id: string): Promise<Resident> {
    return requireResident(this.changes.manager, id);
  }

  create(input: CreateResidentDto): Promise<Resident> {
    return this.changes.run((manager, at) => this.createIn(manager, input, at));
  }

  /** Inside the caller's transaction (the bulk import uses it too). */
  async createIn(manager: EntityManager, input: CreateResidentDto, at: Date): Promise<Resident> {
    await checkPlacement(manager, input.municipalityId, input.homeCareTeamId ?? null);
    const resident = manager.create(Resident, {
      id: randomUUID(),
      ...withNulls(input),
      contacts: input.contacts ?? [],
      createdAt: at,
      updatedAt: at,
    });
    await manager.insert(Resident, resident);
    return resident;
  }

  /** A new municipality or team is published in the record of each of the resident's devices. */
  update(id: string, input: UpdateResidentDto): Promise<Resident> {
    return this.changes.run(async (manager, at) => {
      const before = await requireResident(manager, id);
      const municipalityId = input.municipalityId ?? before.municipalityId;
      const homeCareTeamId = input.homeCareTeamId === undefined ? before.homeCareTeamId : input.homeCareTeamId;
      await checkPlacement(manager, municipalityId, homeCareTeamId);
      await manager.update(Resident, { id }, { ...withNulls(input), updatedAt: at });
      if (municipalityId !== before.municipalityId || homeCareTeamId !== before.homeCareTeamId) {
        await this.records.publishDevicesOfResident(manager, id, at);
      }
      return requireResident(manager, id);
    });
  }

  /** Refused with 409 while a device (also a retired one, for its history) belongs to the resident. */
  remove(id: string): Promise<void> {
    return this.changes.run(async (manager) => {
      await requireResident(manager, id);
      await manager.delete(Resident, { id });
    });
  }
}

export async function requireResident(manager: EntityManager, id: string): Promise<Resident> {
  const resident = await manager.findOneBy(Resident, { id });
  if (!resident) throw notFound('resident', id);
  return resident;
}

/** The municipality exists, and the team (if any) exists and belongs to it. */
async function checkPlacement(manager: EntityManager, municipalityId: string, homeCareTeamId: string | null): Promise<void> {
  await requireMunicipality(manager, municipalityId);
  if (homeCareTeamId === null) return;
  const team = await requireHomeCareTeam(manager, homeCareTeamId);
  if (team.municipalityId !== municipalityId) {
    throw new DomainError('invalid', 'team_not_in_municipality', 'the home-care team belongs to another municipality', { homeCareTeamId, municipalityId });
  }
}

/** Optional text fields sent as undefined are left alone; sent as null they are cleared. */
function withNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
}
