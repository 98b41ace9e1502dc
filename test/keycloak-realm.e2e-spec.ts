import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import { freePorts } from '../infra/src/free-port';
import { RunningKeycloak, startKeycloak } from '../infra/src/keycloak';
import { repoRoot } from '../infra/src/repo-root';
import { launchChromium, SCREENSHOT_DIR } from './support/browser';
import { CentreWorld, Place } from './support/centre-world';
import { RunningService, startResponseCentre } from './support/running-services';
import { createTestDatabase } from './support/test-database';
import { uniqueName } from './support/test-infra';

const REALM_FILE = join(repoRoot(), 'docker', 'keycloak', 'welfare-realm.json');
const REALM = 'welfare';
const AUDIENCE = 'welfare-alarm-backbone';
const PASSWORD = 'Velkommen-til-vakt-1';
/** The people's centre (its device and alarm are made in the registry's view of the centre). */
const CENTRE = randomUUID();
/** A client for scripts, added by the test only: the realm file has no direct-grant client. */
const SCRIPT_CLIENT = 'test-script';

interface KeycloakClient {
  id: string;
  clientId: string;
  redirectUris: string[];
  attributes: Record<string, string>;
}

/**
 * The production realm export (docker/keycloak/welfare-realm.json) in a real Keycloak (the server
 * distribution from Maven Central, dev mode): people made with the realm's roles and tenant
 * attributes sign in on the real console in headless Chromium through Keycloak's own login form,
 * and Keycloak's access tokens carry what the services require (audience, realm roles, tenant).
 * The file keeps production redirect URIs and a placeholder secret; the test points the console
 * client at its own address and regenerates the secret through the admin API, as an operator would.
 */
describe('Keycloak: the production realm signs people in to the console with their role and centre', () => {
  let keycloak: RunningKeycloak;
  let centre: RunningService;
  let world: CentreWorld;
  let browser: Browser;
  let consoleSecret: string;
  let own: Place;
  let other: Place;
  const dbs: { drop(): Promise<void> }[] = [];

  beforeAll(async () => {
    const [port] = await freePorts(1);
    const consoleUrl = `http://127.0.0.1:${port}`;
    const [started, db] = await Promise.all([
      startKeycloak({ realmFiles: [REALM_FILE] }),
      createTestDatabase('keycloak_centre'),
    ]);
    keycloak = started;
    dbs.push(db);
    consoleSecret = await pointConsoleClientAt(keycloak, consoleUrl);
    await addScriptClient(keycloak);
    await createPerson(keycloak, 'anna.operator', 'operator', { response_centre_id: CENTRE }, ['Anna', 'Operatør']);
    await createPerson(keycloak, 'siri.supervisor', 'supervisor', { response_centre_id: CENTRE }, [
      'Siri',
      'Vaktleder',
    ]);

    centre = await startResponseCentre(db.url, {
      HTTP_PORT: String(port),
      KAFKA_CONSUMER_GROUP: uniqueName('keycloak'),
      AUTH_ISSUER: keycloak.issuer(REALM),
      AUTH_JWKS_URL: `${keycloak.issuer(REALM)}/protocol/openid-connect/certs`,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_CLIENT_ID: 'console',
      AUTH_CLIENT_SECRET: consoleSecret,
      PUBLIC_URL: consoleUrl,
    });
    world = await CentreWorld.open(centre, db.url);
    own = await world.place({ centreId: CENTRE });
    other = await world.place();
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await centre?.close();
    await keycloak?.stop();
    await Promise.allSettled(dbs.map((db) => db.drop()));
  }, 120_000);

  it("signs the operator in on the console through Keycloak's login form; her session sees her centre's alarms only", async () => {
    const [ownAlarm, otherAlarm] = [await world.raiseAlarm(own), await world.raiseAlarm(other)];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${centre.url}/console`);
    await page.locator('#sign-in-button').click();
    await page.waitForURL((url) => url.href.startsWith(keycloak.issuer(REALM)), { timeout: 60_000 });
    await page.locator('#username').fill('anna.operator');
    await page.locator('#password').fill(PASSWORD);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'keycloak-login-form.png') });
    await page.locator('#kc-login').click();
    await page.waitForURL((url) => url.origin === centre.url, { timeout: 60_000 });
    await page.locator('#who').filter({ hasText: /\S/ }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#who').textContent()).toMatch(/^Logget inn som Anna Operatør \(operatør\)/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'keycloak-console-signed-in.png') });

    const session = await page.evaluate(async () => (await fetch('/auth/session')).json());
    expect(session).toMatchObject({
      actor: { name: 'Anna Operatør', roles: ['operator'], responseCentreId: own.centreId },
    });
    const api = (path: string) =>
      page.evaluate(async (url) => {
        const answer = await fetch(url);
        return { status: answer.status, body: await answer.text() };
      }, path);
    const queue = await api('/api/alarms');
    expect(queue.status).toBe(200);
    const ids = (JSON.parse(queue.body) as { id: string }[]).map((alarm) => alarm.id);
    expect(ids).toContain(ownAlarm);
    expect(ids).not.toContain(otherAlarm);
    expect((await api(`/api/alarms/${ownAlarm}`)).status).toBe(200);
    expect((await api(`/api/alarms/${otherAlarm}`)).status).toBe(404);
    expect((await api(`/api/wallboard/centres/${own.centreId}`)).status).toBe(403); // a supervisor's
    await page.close();
  }, 180_000);

  it("Keycloak's access token carries the audience, the realm role and the centre, and the API takes it", async () => {
    const token = await passwordGrant(keycloak, 'siri.supervisor');
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${keycloak.issuer(REALM)}/protocol/openid-connect/certs`)),
      { issuer: keycloak.issuer(REALM), audience: AUDIENCE },
    );
    expect(payload).toMatchObject({
      realm_access: { roles: expect.arrayContaining(['supervisor']) },
      response_centre_id: own.centreId,
      name: 'Siri Vaktleder',
    });
    const call = (path: string) => world.call('GET', path, token);
    expect((await call(`/api/wallboard/centres/${own.centreId}`)).status).toBe(200);
    expect((await call(`/api/wallboard/centres/${other.centreId}`)).status).toBe(404);
    expect((await call('/api/alarms')).status).toBe(200);
  }, 60_000);

  it('a person without a role, or with a role and no tenant attribute, is refused by the API', async () => {
    await createPerson(keycloak, 'ola.norole', null, {}, ['Ola', 'Uten']);
    await createPerson(keycloak, 'kari.notenant', 'operator', {}, ['Kari', 'Uten']);
    for (const username of ['ola.norole', 'kari.notenant']) {
      const token = await passwordGrant(keycloak, username);
      expect(decodeJwt(token).aud).toContain(AUDIENCE);
      expect({ username, status: (await world.call('GET', '/api/alarms', token)).status }).toEqual({
        username,
        status: 401,
      });
    }
  }, 60_000);
});

/** Production redirect URIs in the file; here the console runs on a free port. Returns a fresh secret. */
async function pointConsoleClientAt(keycloak: RunningKeycloak, consoleUrl: string): Promise<string> {
  const [client] = await keycloak.admin<KeycloakClient[]>('GET', `/${REALM}/clients?clientId=console`);
  await keycloak.admin('PUT', `/${REALM}/clients/${client.id}`, {
    ...client,
    rootUrl: consoleUrl,
    redirectUris: [`${consoleUrl}/auth/callback`],
    attributes: { ...client.attributes, 'post.logout.redirect.uris': `${consoleUrl}/auth/signed-out` },
  });
  const secret = await keycloak.admin<{ value: string }>('POST', `/${REALM}/clients/${client.id}/client-secret`);
  return secret.value;
}

/** A public client with direct grant and the console's scopes, so the test gets tokens as a script would. */
async function addScriptClient(keycloak: RunningKeycloak): Promise<void> {
  await keycloak.admin('POST', `/${REALM}/clients`, {
    clientId: SCRIPT_CLIENT,
    publicClient: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: true,
    defaultClientScopes: ['basic', 'profile', 'roles', 'welfare-api'],
  });
}

async function createPerson(
  keycloak: RunningKeycloak,
  username: string,
  role: string | null,
  tenant: Record<string, string>,
  [firstName, lastName]: [string, string],
): Promise<void> {
  await keycloak.admin('POST', `/${REALM}/users`, {
    username,
    firstName,
    lastName,
    enabled: true,
    attributes: Object.fromEntries(Object.entries(tenant).map(([name, value]) => [name, [value]])),
    credentials: [{ type: 'password', value: PASSWORD, temporary: false }],
  });
  if (!role) return;
  const [user] = await keycloak.admin<{ id: string }[]>('GET', `/${REALM}/users?exact=true&username=${username}`);
  const realmRole = await keycloak.admin('GET', `/${REALM}/roles/${role}`);
  await keycloak.admin('POST', `/${REALM}/users/${user.id}/role-mappings/realm`, [realmRole]);
}

async function passwordGrant(keycloak: RunningKeycloak, username: string): Promise<string> {
  const answer = await fetch(`${keycloak.issuer(REALM)}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: SCRIPT_CLIENT, username, password: PASSWORD }),
  });
  const body = (await answer.json()) as { access_token?: string };
  if (!answer.ok || !body.access_token)
    throw new Error(`password grant answered ${answer.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}
