import type { JWTPayload } from 'jose';
import { Actor, ROLE_SCOPE, ROLES, Role, TENANCY_CLAIMS } from './actor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ClaimsRefused extends Error {}

/**
 * The actor a verified token describes. Roles come from `roles` (or Keycloak's
 * `realm_access.roles`); roles this system does not know are ignored. A role whose tenant id
 * is missing or malformed refuses the whole token: a scoped role without its scope must never
 * read as "everything".
 */
export function actorFromClaims(claims: JWTPayload): Actor {
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new ClaimsRefused('the token has no subject (sub)');
  const roles = claimedRoles(claims).filter((role): role is Role => (ROLES as readonly string[]).includes(role));
  if (roles.length === 0) throw new ClaimsRefused(`the token grants none of the roles ${ROLES.join(', ')}`);
  const actor: Actor = {
    subject: claims.sub,
    name: typeof claims.name === 'string' && claims.name !== '' ? claims.name : claims.sub,
    roles,
    responseCentreId: tenantId(claims, 'responseCentreId'),
    municipalityId: tenantId(claims, 'municipalityId'),
    homeCareTeamId: tenantId(claims, 'homeCareTeamId'),
  };
  for (const role of roles) {
    const scope = ROLE_SCOPE[role];
    if (scope && actor[scope] === null)
      throw new ClaimsRefused(`role ${role} needs the claim ${TENANCY_CLAIMS[scope]} (a UUID)`);
  }
  return actor;
}

function claimedRoles(claims: JWTPayload): string[] {
  const direct = claims.roles;
  const keycloak = (claims.realm_access as { roles?: unknown } | undefined)?.roles;
  const roles = Array.isArray(direct) ? direct : Array.isArray(keycloak) ? keycloak : [];
  return roles.filter((role): role is string => typeof role === 'string');
}

function tenantId(claims: JWTPayload, scope: keyof typeof TENANCY_CLAIMS): string | null {
  const value = claims[TENANCY_CLAIMS[scope]];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !UUID.test(value))
    throw new ClaimsRefused(`claim ${TENANCY_CLAIMS[scope]} must be a UUID`);
  return value.toLowerCase();
}
