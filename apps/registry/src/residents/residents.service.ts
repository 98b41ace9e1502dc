import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere, ILike } from 'typeorm';
import { AccessLogEntry, AccessLogService, Actor } from '@welfare/access';
import { administeredMunicipality, idWithin, residentsWhere, Tenancy, tenancyOf, within } from '../access/tenancy';
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
    private readonly accessLogs: AccessLogService,
  ) {}

  /** Personal data: every resident in the answer is access-logged before it is sent. */
  async list(
    actor: Actor,
    query: { municipalityId?: string; search?: string; limit?: number; offset?: number } = {},
  ): Promise<{ residents: Resident[]; total: number }> {
    const scoped = within(residentsWhere(tenancyOf(actor)), 'municipalityId', query.municipalityId);
    const pattern = query.search ? ILike(`%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined;
    const where = pattern
      ? [
          { ...scoped, name: pattern },
          { ...scoped, address: pattern },
        ]
      : scoped;
    const [residents, total] = await this.changes.manager.findAndCount(Resident, {
      where,
      order: { name: 'ASC', id: 'ASC' },
      skip: query.offset ?? 0,
      take: query.limit,
    });
    await this.accessLogs.record(
      actor,
      residents.map((resident) => ({ action: 'resident.list', resourceId: resident.id, residentId: resident.id })),
    );
    return { residents, total };
  }

  async get(actor: Actor, id: string): Promise<Resident> {
    const resident = await requireResident(this.changes.manager, id, residentsWhere(tenancyOf(actor)));
    await this.accessLogs.record(actor, [{ action: 'resident.read', resourceId: id, residentId: id }]);
    return resident;
  }

  /** Who read the resident's data here (a municipality's own review, and the resident's right to know). */
  async accessLog(tenancy: Tenancy, id: string): Promise<AccessLogEntry[]> {
    await requireResident(this.changes.manager, id, residentsWhere(tenancy));
    return this.accessLogs.forResident(id, 500);
  }

  /** Only into the caller's own municipality. */
  create(tenancy: Tenancy, input: CreateResidentDto): Promise<Resident> {
    return this.changes.run(async (manager, at) => {
      await requireMunicipalityAdministered(tenancy, input.municipalityId);
      return this.createIn(manager, input, at);
    });
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
    await this.records.publishResident(manager, resident.id, at);
    return requireResident(manager, resident.id);
  }

  /** A new municipality or team is published in the record of each of the resident's devices. */
  update(tenancy: Tenancy, id: string, input: UpdateResidentDto): Promise<Resident> {
    return this.changes.run(async (manager, at) => {
      const before = await requireResident(manager, id, residentsWhere(tenancy));
      const municipalityId = input.municipalityId ?? before.municipalityId;
      await requireMunicipalityAdministered(tenancy, municipalityId);
      const homeCareTeamId = input.homeCareTeamId === undefined ? before.homeCareTeamId : input.homeCareTeamId;
      await checkPlacement(manager, municipalityId, homeCareTeamId);
      await manager.update(Resident, { id }, { ...withNulls(input), updatedAt: at });
      if (municipalityId !== before.municipalityId || homeCareTeamId !== before.homeCareTeamId) {
        await this.records.publishDevicesOfResident(manager, id, at);
      }
      await this.records.publishResident(manager, id, at);
      return requireResident(manager, id);
    });
  }

  /** Refused with 409 while a device (also a retired one, for its history) belongs to the resident. */
  remove(tenancy: Tenancy, id: string): Promise<void> {
    return this.changes.run(async (manager, at) => {
      await requireResident(manager, id, residentsWhere(tenancy));
      await this.records.publishResident(manager, id, at, true);
      await manager.delete(Resident, { id });
    });
  }
}

/** `where`: the caller's tenancy; a resident outside it is not found. */
export async function requireResident(
  manager: EntityManager,
  id: string,
  where: FindOptionsWhere<Resident> = {},
): Promise<Resident> {
  const resident = await manager.findOneBy(Resident, idWithin(where, id));
  if (!resident) throw notFound('resident', id);
  return resident;
}

/** A municipality administrator places residents in their own municipality only (another one reads as not found). */
async function requireMunicipalityAdministered(tenancy: Tenancy, municipalityId: string): Promise<void> {
  if (administeredMunicipality(tenancy) !== municipalityId) throw notFound('municipality', municipalityId);
}

/** The municipality exists, and the team (if any) exists and belongs to it. */
async function checkPlacement(
  manager: EntityManager,
  municipalityId: string,
  homeCareTeamId: string | null,
): Promise<void> {
  await requireMunicipality(manager, municipalityId);
  if (homeCareTeamId === null) return;
  const team = await requireHomeCareTeam(manager, homeCareTeamId);
  if (team.municipalityId !== municipalityId) {
    throw new DomainError('invalid', 'team_not_in_municipality', 'the home-care team belongs to another municipality', {
      homeCareTeamId,
      municipalityId,
    });
  }
}

/** Optional text fields sent as undefined are left alone; sent as null they are cleared. */
function withNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
}
