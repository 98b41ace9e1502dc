/**
 * Who is calling: a person signed in at the organisation's identity provider (Keycloak,
 * HelseID), with one role and the tenant that role is scoped to. Built only from a verified token.
 */
export const ROLES = ['operator', 'supervisor', 'home-care', 'municipality-admin', 'system-admin'] as const;
export type Role = (typeof ROLES)[number];

/** Token claims that carry the tenancy ids (set by the identity provider's claim mappers). */
export const TENANCY_CLAIMS = {
  responseCentreId: 'response_centre_id',
  municipalityId: 'municipality_id',
  homeCareTeamId: 'home_care_team_id',
} as const;

/** The tenant each role is scoped to; a token without it is refused. */
export const ROLE_SCOPE: Record<Role, keyof typeof TENANCY_CLAIMS | null> = {
  operator: 'responseCentreId',
  supervisor: 'responseCentreId',
  'home-care': 'homeCareTeamId',
  'municipality-admin': 'municipalityId',
  'system-admin': null,
};

export interface Actor {
  /** The identity provider's stable subject id. */
  subject: string;
  /** Display name for logs and the handling log ("who"). */
  name: string;
  roles: Role[];
  responseCentreId: string | null;
  municipalityId: string | null;
  homeCareTeamId: string | null;
}

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.roles.some((role) => roles.includes(role));
}
