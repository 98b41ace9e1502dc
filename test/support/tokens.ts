import { DevIssuerFile, mintDevToken } from '../../infra/src/dev-token-issuer';
import type { Role } from '../../libs/access/src/actor';
import { testInfra } from './test-infra';

export interface TestActor {
  role: Role;
  responseCentreId?: string;
  municipalityId?: string;
  homeCareTeamId?: string;
  sub?: string;
  name?: string;
}

let ownIssuer: DevIssuerFile | null = null;

/** A test file whose services trust an embedded provider of its own (test/support/sign-in.ts) mints its tokens there. */
export function useIssuer(issuer: DevIssuerFile | null): void {
  ownIssuer = issuer;
}

/** The issuer the file's services trust: its own provider, or the run's dev issuer. */
export const currentIssuer = (): DevIssuerFile => ownIssuer ?? testInfra().devIssuer;

/** A bearer token from the run's dev issuer, verified by the services like any real one. */
export function tokenFor(actor: TestActor): Promise<string> {
  const sub = actor.sub ?? `${actor.role}-${Math.random().toString(36).slice(2, 8)}`;
  return mintDevToken(currentIssuer(), {
    sub,
    name: actor.name ?? `Test ${actor.role}`,
    roles: [actor.role],
    ...(actor.responseCentreId ? { response_centre_id: actor.responseCentreId } : {}),
    ...(actor.municipalityId ? { municipality_id: actor.municipalityId } : {}),
    ...(actor.homeCareTeamId ? { home_care_team_id: actor.homeCareTeamId } : {}),
  });
}

export const systemAdminToken = () => tokenFor({ role: 'system-admin' });
export const municipalityAdminToken = (municipalityId: string) =>
  tokenFor({ role: 'municipality-admin', municipalityId });
export const operatorToken = (responseCentreId: string, sub?: string) =>
  tokenFor({ role: 'operator', responseCentreId, sub });
export const supervisorToken = (responseCentreId: string) => tokenFor({ role: 'supervisor', responseCentreId });
export const homeCareToken = (homeCareTeamId: string) => tokenFor({ role: 'home-care', homeCareTeamId });

/** Settings that make a service trust the run's dev issuer. */
export function authEnv(): Record<string, string> {
  const { issuer, audience, jwksUrl } = currentIssuer();
  return { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URL: jwksUrl };
}
