/**
 * `npm run token -- --role operator --centre <id>`: prints a bearer token signed with the key of
 * the embedded OpenID provider that `npm start` runs (its key and address are in
 * .data/dev-issuer), for curl and scripts. For local use only: people sign in on the pages, and in
 * production at the organisation's identity provider.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mintDevToken, readDevIssuerFile, repoRoot } from '@welfare/infra';
import { ROLE_SCOPE, ROLES, Role, TENANCY_CLAIMS } from '@welfare/access';

const USAGE = `usage: npm run token -- --role <${ROLES.join('|')}> [--centre ID] [--municipality ID] [--team ID] [--sub ID] [--name NAME] [--hours N]
  operator, supervisor: --centre       home-care: --team       municipality-admin: --municipality`;

const OPTION_OF: Record<keyof typeof TENANCY_CLAIMS, string> = {
  responseCentreId: 'centre',
  municipalityId: 'municipality',
  homeCareTeamId: 'team',
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      centre: { type: 'string' },
      municipality: { type: 'string' },
      team: { type: 'string' },
      sub: { type: 'string' },
      name: { type: 'string' },
      hours: { type: 'string', default: '8' },
    },
  });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  const scope = ROLE_SCOPE[role];
  const scopeId = scope ? (values as Record<string, string | undefined>)[OPTION_OF[scope]] : undefined;
  if (scope && !scopeId) fail(`a ${role} token needs --${OPTION_OF[scope]} (the ${scope} it is scoped to)`);
  const hours = Number(values.hours);
  if (!(hours > 0 && hours <= 24)) fail('--hours must be between 0 and 24');
  const issuer = readDevIssuerFile(join(process.env.WELFARE_DATA_DIR ?? join(repoRoot(), '.data'), 'dev-issuer'));
  const sub = values.sub ?? `dev-${role}`;
  const claims = {
    sub,
    name: values.name ?? sub,
    roles: [role],
    ...(scope ? { [TENANCY_CLAIMS[scope]]: scopeId } : {}),
  };
  process.stdout.write(`${await mintDevToken(issuer, claims, Math.round(hours * 3600))}\n`);
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

void main();
