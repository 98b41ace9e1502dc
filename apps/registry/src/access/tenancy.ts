import { ForbiddenException } from '@nestjs/common';
import { FindOptionsWhere, In } from 'typeorm';
import { Actor, hasRole } from '@welfare/access';
import type { Device } from '../devices/device.entity';
import type { HomeCareTeam } from '../home-care-teams/home-care-team.entity';
import type { Municipality } from '../municipalities/municipality.entity';
import type { Resident } from '../residents/resident.entity';
import type { ResponseCentre } from '../response-centres/response-centre.entity';

/**
 * The part of the registry a caller may touch, from their token. Every query of the registry's
 * services carries it as a where-condition, so a row outside it is "not found" whatever the
 * controller asked for. A system administrator keeps centres and municipalities, and sees no
 * resident, team or device: personal data is the municipalities' own.
 */
export type Tenancy =
  | { kind: 'system' }
  | { kind: 'municipality'; municipalityId: string }
  | { kind: 'centre'; responseCentreId: string }
  | { kind: 'team'; homeCareTeamId: string };

/** The widest role wins when a token carries several (the guard has already checked the route allows it). */
export function tenancyOf(actor: Actor): Tenancy {
  if (hasRole(actor, 'system-admin')) return { kind: 'system' };
  if (hasRole(actor, 'municipality-admin') && actor.municipalityId)
    return { kind: 'municipality', municipalityId: actor.municipalityId };
  if (hasRole(actor, 'operator', 'supervisor') && actor.responseCentreId)
    return { kind: 'centre', responseCentreId: actor.responseCentreId };
  if (hasRole(actor, 'home-care') && actor.homeCareTeamId)
    return { kind: 'team', homeCareTeamId: actor.homeCareTeamId };
  throw new ForbiddenException('the token carries no registry role with its tenant');
}

function outside(what: string): never {
  throw new ForbiddenException(`your role does not give access to ${what}`);
}

export function centresWhere(tenancy: Tenancy): FindOptionsWhere<ResponseCentre> {
  if (tenancy.kind === 'system') return {};
  if (tenancy.kind === 'centre') return { id: tenancy.responseCentreId };
  return outside('response centres');
}

export function municipalitiesWhere(tenancy: Tenancy): FindOptionsWhere<Municipality> {
  if (tenancy.kind === 'system') return {};
  if (tenancy.kind === 'municipality') return { id: tenancy.municipalityId };
  if (tenancy.kind === 'centre') return { responseCentreId: tenancy.responseCentreId };
  return outside('municipalities');
}

export function teamsWhere(tenancy: Tenancy): FindOptionsWhere<HomeCareTeam> {
  if (tenancy.kind === 'municipality') return { municipalityId: tenancy.municipalityId };
  if (tenancy.kind === 'team') return { id: tenancy.homeCareTeamId };
  return outside('home-care teams');
}

export function residentsWhere(tenancy: Tenancy): FindOptionsWhere<Resident> {
  if (tenancy.kind === 'municipality') return { municipalityId: tenancy.municipalityId };
  if (tenancy.kind === 'team') return { homeCareTeamId: tenancy.homeCareTeamId };
  return outside('residents');
}

export function devicesWhere(tenancy: Tenancy): FindOptionsWhere<Device> {
  if (tenancy.kind === 'municipality') return { municipalityId: tenancy.municipalityId };
  return outside('devices');
}

/** Only a municipality's administrators change what belongs to it. */
export function administeredMunicipality(tenancy: Tenancy): string {
  if (tenancy.kind === 'municipality') return tenancy.municipalityId;
  return outside("changing a municipality's registry");
}

/**
 * The caller's tenancy narrowed by one more condition (a row id, a list filter). Both must hold:
 * when the tenancy already fixes that column to another value, nothing is found, not the
 * requested row (the tenancy of a centre, municipality or team is itself an id).
 */
export function within<T>(
  where: FindOptionsWhere<T>,
  column: keyof T & string,
  value: string | undefined,
): FindOptionsWhere<T> {
  if (value === undefined) return where;
  const scoped = (where as Record<string, unknown>)[column];
  if (scoped !== undefined && scoped !== value) return { ...where, [column]: In([]) } as FindOptionsWhere<T>;
  return { ...where, [column]: value } as FindOptionsWhere<T>;
}

/** Row `id`, found only inside the caller's tenancy. */
export function idWithin<T extends { id: string }>(where: FindOptionsWhere<T>, id: string): FindOptionsWhere<T> {
  return within(where, 'id', id);
}
