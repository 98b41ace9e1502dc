import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@welfare/platform';
import { MigrationSettings } from '@welfare/persistence';
import { IngestorConfig } from '../apps/ingestor/src/ingestor.config';
import { ResponseCentreConfig } from '../apps/response-centre/src/response-centre.config';
import { RegistryConfig } from '../apps/registry/src/registry.config';
import { HomeCareConfig } from '../apps/home-care/src/home-care.config';
import { ScaipGatewayConfig } from '../apps/scaip-gateway/src/scaip-gateway.config';

type Environment = Record<string, string | number | boolean | null>;
interface ComposeService {
  command?: string[];
  environment?: Environment;
}

/**
 * The values a deployer must give (`${NAME:?...}` in the compose file), as an example would.
 * Every other setting comes from the file itself or its `${NAME:-default}`.
 */
const DEPLOYER_GIVES: Record<string, string> = {
  BROKER_ADMIN_PASSWORD: 'broker-admin-password',
  INGESTOR_MQTT_PASSWORD: 'ingestor-password',
  CONSOLE_CLIENT_SECRET: 'console-client-secret-from-keycloak',
  PHONE_PAGE_CLIENT_SECRET: 'phone-page-client-secret-from-keycloak',
  KEYCLOAK_ADMIN_PASSWORD: 'keycloak-admin-password',
  SCAIP_GATEWAY_SECRET: 'scaip-gateway-shared-secret',
};

/** Which config class validates a container's environment, by the program it runs. */
const VALIDATORS: [RegExp, new () => object][] = [
  [/dist\/apps\/response-centre\/src\/main\.js/, ResponseCentreConfig],
  [/dist\/apps\/ingestor\/src\/main\.js/, IngestorConfig],
  [/dist\/apps\/registry\/src\/main\.js/, RegistryConfig],
  [/dist\/apps\/home-care\/src\/main\.js/, HomeCareConfig],
  [/dist\/apps\/scaip-gateway\/src\/main\.js/, ScaipGatewayConfig],
  [/database\/data-source\.js/, MigrationSettings],
];

const compose = parse(readFileSync(join(process.cwd(), 'docker/compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** Compose's interpolation: `${NAME:-default}`, `${NAME:?message}` and `${NAME}`. */
function interpolated(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    if (DEPLOYER_GIVES[name] !== undefined) return DEPLOYER_GIVES[name];
    if (kind === '-') return rest ?? '';
    throw new Error(`the compose file needs \${${name}} (${rest ?? 'no default'}): add an example to DEPLOYER_GIVES`);
  });
}

function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolated(String(value ?? ''))]),
  );
}

const programs = Object.entries(compose.services)
  .map(([name, service]) => ({
    name,
    service,
    validator: VALIDATORS.find(([program]) => program.test((service.command ?? []).join(' ')))?.[1],
  }))
  .filter((entry) => entry.validator !== undefined);

describe('docker/compose.yaml', () => {
  it('runs every service and its migration job', () => {
    const run = (config: new () => object) =>
      programs.filter((program) => program.validator === config).map((program) => program.name);
    expect(run(ResponseCentreConfig)).toEqual(['response-centre']);
    expect(run(IngestorConfig)).toEqual(['ingestor']);
    expect(run(RegistryConfig)).toEqual(['registry']);
    expect(run(HomeCareConfig)).toEqual(['home-care']);
    expect(run(ScaipGatewayConfig)).toEqual(['scaip-gateway']);
    expect(run(MigrationSettings).sort()).toEqual(['migrate', 'migrate-home-care', 'migrate-registry']);
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['kafka', 'postgres', 'mosquitto', 'keycloak']),
    );
  });

  it.each(programs.map((program) => [program.name, program] as const))(
    'gives %s an environment its own configuration validator accepts',
    (_, { service, validator }) => {
      expect(() => loadConfig(validator!, environmentOf(service))).not.toThrow();
    },
  );

  it('gives the pages their sign-in at the provider, and every service with an API the same issuer', () => {
    const env = (name: string) => environmentOf(compose.services[name]);
    for (const page of ['response-centre', 'home-care']) {
      expect(env(page)).toMatchObject({ AUTH_CLIENT_ID: expect.any(String), PUBLIC_URL: expect.any(String) });
    }
    const issuers = ['response-centre', 'registry', 'home-care'].map((name) => env(name).AUTH_ISSUER);
    expect(new Set(issuers).size).toBe(1);
  });

  it('imports the Keycloak realm that has the roles, the page clients and the tenancy claim mappers', () => {
    const realm = JSON.parse(readFileSync(join(process.cwd(), 'docker/keycloak/welfare-realm.json'), 'utf8')) as {
      realm: string;
      roles: { realm: { name: string }[] };
      clients: { clientId: string; redirectUris: string[]; attributes: Record<string, string> }[];
      clientScopes: { protocolMappers: { config: Record<string, string> }[] }[];
    };
    expect(env('response-centre').AUTH_ISSUER).toMatch(new RegExp(`/realms/${realm.realm}$`));
    expect(realm.roles.realm.map((role) => role.name).sort()).toEqual(
      ['home-care', 'municipality-admin', 'operator', 'supervisor', 'system-admin'].sort(),
    );
    for (const [clientId, service] of [
      ['console', 'response-centre'],
      ['phone-page', 'home-care'],
    ]) {
      const client = realm.clients.find((candidate) => candidate.clientId === clientId);
      expect(env(service).AUTH_CLIENT_ID).toBe(clientId);
      expect(client?.redirectUris).toEqual([`${env(service).PUBLIC_URL}/auth/callback`]);
      expect(client?.attributes['pkce.code.challenge.method']).toBe('S256');
    }
    const claims = realm.clientScopes.flatMap((scope) =>
      scope.protocolMappers.map((mapper) => mapper.config['claim.name'] ?? mapper.config['included.custom.audience']),
    );
    expect(claims).toEqual(
      expect.arrayContaining(['response_centre_id', 'municipality_id', 'home_care_team_id', 'welfare-alarm-backbone']),
    );

    function env(name: string) {
      return environmentOf(compose.services[name]);
    }
  });
});
