import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere } from 'typeorm';
import { administeredMunicipality, idWithin, teamsWhere, Tenancy, within } from '../access/tenancy';
import { notFound } from '../common/registry-errors';
import { requireMunicipality } from '../municipalities/municipalities.service';
import { RegistryChanges } from '../outbox/registry-changes';
import { RegistryRecordOutbox } from '../outbox/registry-record-outbox';
import { CreateHomeCareTeamDto, UpdateHomeCareTeamDto } from './dto/home-care-team.dto';
import { HomeCareTeam } from './home-care-team.entity';

@Injectable()
export class HomeCareTeamsService {
  constructor(
    private readonly changes: RegistryChanges,
    private readonly records: RegistryRecordOutbox,
  ) {}

  /** The filter narrows the caller's tenancy, never widens it. */
  list(tenancy: Tenancy, municipalityId?: string): Promise<HomeCareTeam[]> {
    return this.changes.manager.find(HomeCareTeam, {
      where: within(teamsWhere(tenancy), 'municipalityId', municipalityId),
      order: { name: 'ASC' },
    });
  }

  get(tenancy: Tenancy, id: string): Promise<HomeCareTeam> {
    return requireHomeCareTeam(this.changes.manager, id, teamsWhere(tenancy));
  }

  /** Only in the caller's own municipality: another one is "not found". */
  create(tenancy: Tenancy, input: CreateHomeCareTeamDto): Promise<HomeCareTeam> {
    return this.changes.run(async (manager, at) => {
      await requireMunicipality(manager, input.municipalityId, { id: administeredMunicipality(tenancy) });
      const team = manager.create(HomeCareTeam, { id: randomUUID(), ...input, createdAt: at, updatedAt: at });
      await manager.insert(HomeCareTeam, team);
      await this.records.publishTeam(manager, team.id, at);
      return requireHomeCareTeam(manager, team.id);
    });
  }

  update(tenancy: Tenancy, id: string, input: UpdateHomeCareTeamDto): Promise<HomeCareTeam> {
    return this.changes.run(async (manager, at) => {
      await requireHomeCareTeam(manager, id, teamsWhere(tenancy));
      await manager.update(HomeCareTeam, { id }, { ...input, updatedAt: at });
      await this.records.publishTeam(manager, id, at);
      return requireHomeCareTeam(manager, id);
    });
  }

  /** Refused with 409 while a resident belongs to the team. */
  remove(tenancy: Tenancy, id: string): Promise<void> {
    return this.changes.run(async (manager, at) => {
      await requireHomeCareTeam(manager, id, teamsWhere(tenancy));
      await this.records.publishTeam(manager, id, at, true);
      await manager.delete(HomeCareTeam, { id });
    });
  }
}

/** `where`: the caller's tenancy; a team outside it is not found. */
export async function requireHomeCareTeam(
  manager: EntityManager,
  id: string,
  where: FindOptionsWhere<HomeCareTeam> = {},
): Promise<HomeCareTeam> {
  const team = await manager.findOneBy(HomeCareTeam, idWithin(where, id));
  if (!team) throw notFound('home_care_team', id);
  return team;
}
