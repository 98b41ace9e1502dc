/**
 * `npm start`'s first centre: a response centre, the municipality it serves and a home-care team,
 * made through the registry's API on the first start and found again on later ones, so the
 * seeded people of the embedded provider have real tenants to sign in to.
 */
import { DevIssuerFile, mintDevToken } from '@welfare/infra';

export interface FirstTenants {
  responseCentreId: string;
  municipalityId: string;
  homeCareTeamId: string;
}

const CENTRE = 'Midt-Norge responssenter';
const MUNICIPALITY = { name: 'Trondheim', number: '5001' };
const TEAM = 'Sentrum';

export async function seedFirstTenants(registryUrl: string, issuer: DevIssuerFile): Promise<FirstTenants> {
  const admin = await mintDevToken(issuer, { sub: 'npm-start', name: 'npm start', roles: ['system-admin'] }, 300);
  const responseCentreId = await findOrCreate(registryUrl, admin, '/api/response-centres', { name: CENTRE });
  const municipalityId = await findOrCreate(registryUrl, admin, '/api/municipalities', {
    ...MUNICIPALITY,
    responseCentreId,
  });
  const municipalityAdmin = await mintDevToken(
    issuer,
    { sub: 'npm-start', name: 'npm start', roles: ['municipality-admin'], municipality_id: municipalityId },
    300,
  );
  const homeCareTeamId = await findOrCreate(registryUrl, municipalityAdmin, '/api/home-care-teams', {
    name: TEAM,
    municipalityId,
  });
  return { responseCentreId, municipalityId, homeCareTeamId };
}

async function findOrCreate(
  base: string,
  token: string,
  path: string,
  body: { name: string; [field: string]: string },
): Promise<string> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const listed = (await answer(await fetch(`${base}${path}`, { headers }))) as { id: string; name: string }[];
  const found = listed.find((item) => item.name === body.name);
  if (found) return found.id;
  const created = (await answer(
    await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
  )) as { id: string };
  return created.id;
}

async function answer(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) throw new Error(`the registry answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
