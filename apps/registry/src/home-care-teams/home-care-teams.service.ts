import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { notFound } from '../common/registry-errors';
import { requireMunicipality } from '../municipalities/municipalities.service';
import { RegistryChanges } from '../outbox/registry-changes';
import { CreateHomeCareTeamDto, UpdateHomeCareTeamDto } from './dto/home-care-team.dto';
import { HomeCareTeam } from './home-care-team.entity';

@Injectable()
export class HomeCareTeamsService {
  constructor(private readonly changes: RegistryChanges) {}

  list(municipalityId?: string): Promise<HomeCareTeam[]> {
    return this.changes.manager.find(HomeCareTeam, { where: municipalityId ? { municipalityId } : {}, order: { name: 'ASC' } });
  }

  get(id: string): Promise<HomeCareTeam> {
    return requireHomeCareTeam(this.changes.manager, id);
  }

  create(input: CreateHomeCareTeamDto): Promise<HomeCareTeam> {
    return this.changes.run(async (manager, at) => {
      await requireMunicipality(manager, input.municipalityId);
      const team = manager.create(HomeCareTeam, { id: randomUUID(), ...input, createdAt: at, updatedAt: at });
      await manager.insert(HomeCareTeam, team);
      return team;
    });
  }

  update(id: string, input: UpdateHomeCareTeamDto): Promise<HomeCareTeam> {
    return this.changes.run(async (manager, at) => {
      await requireHomeCareTeam(manager, id);
      await manager.update(HomeCareTeam, { id }, { ...input, updatedAt: at });
      return requireHomeCareTeam(manager, id);
    });
  }

  /** Refused with 409 while a resident belongs to the team. */
  remove(id: string): Promise<void> {
    return this.changes.run(async (manager) => {
      await requireHomeCareTeam(manager, id);
      await manager.delete(HomeCareTeam, { id });
    });
  }
}

export async function requireHomeCareTeam(manager: EntityManager, id: string): Promise<HomeCareTeam> {
  const team = await manager.findOneBy(HomeCareTeam, { id });
  if (!team) throw notFound('home_care_team', id);
  return team;
}
