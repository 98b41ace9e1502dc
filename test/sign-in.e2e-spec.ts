import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { RunningDevOidcProvider } from '../infra/src/dev-oidc-provider';
import { RunningService, startHomeCare, startResponseCentre } from './support/running-services';
import { CookieBrowser, PageService, person, startSignInProvider } from './support/sign-in';
import { createTestDatabase } from './support/test-database';
import { uniqueName } from './support/test-infra';
import { useIssuer } from './support/tokens';

const CENTRE = randomUUID();
const TEAM = randomUUID();
const PEOPLE = [
  person('anna', { name: 'Anna Operatør', roles: ['operator'], response_centre_id: CENTRE }),
  person('nina', { name: 'Nina Sykepleier', roles: ['home-care'], home_care_team_id: TEAM }),
];

/**
 * Backend-for-frontend sign-in on the real console and phone-page services, against the
 * embedded OpenID provider over HTTP: the login form, the session cookie, CSRF and origin
 * checks, silent renewal, sign-out, and the page shown when the provider is away.
 */
describe('sign-in: the pages sign people in at the OpenID provider and keep the tokens on the server', () => {
  let provider: RunningDevOidcProvider;
  let console: PageService;
  let phone: PageService;
  let centre: RunningService;
  let homeCare: RunningService;
  let centreSql: Client;
  const dbs: { drop(): Promise<void> }[] = [];

  beforeAll(async () => {
    // Access tokens of 62 s: with the 60 s renewal margin, a request 2 s after sign-in renews.
    ({
      provider,
      pages: [console, phone],
    } = await startSignInProvider(['console', 'phone'], { accessTokenTtlSeconds: 62 }));
    provider.setPeople(PEOPLE);
    const [centreDb, homeCareDb] = await Promise.all([
      createTestDatabase('signin_centre'),
      createTestDatabase('signin_hc'),
    ]);
    dbs.push(centreDb, homeCareDb);
    [centre, homeCare] = await Promise.all([
      startResponseCentre(centreDb.url, { ...console.env, KAFKA_CONSUMER_GROUP: uniqueName('signin') }),
      startHomeCare(homeCareDb.url, phone.env),
    ]);
    centreSql = new Client({ connectionString: centreDb.url });
    await centreSql.connect();
  }, 120_000);

  afterAll(async () => {
    useIssuer(null);
    await centreSql?.end();
    await Promise.allSettled([centre?.close(), homeCare?.close()]);
    await provider?.stop();
    await Promise.allSettled(dbs.map((db) => db.drop()));
  });

  it("signs the operator in through the provider's login form; the page gets a session cookie, never a token", async () => {
    const browser = new CookieBrowser(console);
    await browser.signIn('anna');
    const [name] = [...browser.cookies.keys()].filter((cookie) => cookie.startsWith('welfare-session-console'));
    expect(name).toBe('welfare-session-console');
    const session = await browser.call('GET', '/auth/session');
    expect(JSON.parse(session.text)).toMatchObject({
      actor: { name: 'Anna Operatør', roles: ['operator'], responseCentreId: CENTRE },
    });
    expect(session.text).not.toMatch(/eyJ/); // no JWT reaches the page
    expect((await browser.call('GET', '/api/alarms')).status).toBe(200);
    const stream = await browser.call('GET', '/api/alarms/stream');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('refuses a wrong password at the provider', async () => {
    await expect(new CookieBrowser(console).signIn('anna', 'wrong')).rejects.toThrow(/sign-in ended at .*interaction/);
  });

  it('refuses a change without the CSRF header or Origin, and any cookie request from another origin', async () => {
    const browser = new CookieBrowser(console);
    await browser.signIn('anna');
    const alarm = `/api/alarms/${randomUUID()}/acknowledge`;
    const refusals = {
      noCsrf: await browser.call('POST', alarm, { csrf: null }),
      wrongCsrf: await browser.call('POST', alarm, { csrf: 'x'.repeat(43) }),
      noOrigin: await browser.call('POST', alarm, { origin: null }),
      otherOrigin: await browser.call('POST', alarm, { origin: phone.url }),
      otherOriginRead: await browser.call('GET', '/api/alarms', { origin: 'https://evil.example' }),
      crossSiteRead: await browser.call('GET', '/api/alarms', { origin: null, site: 'cross-site' }),
    };
    for (const [what, answer] of Object.entries(refusals))
      expect({ what, status: answer.status, text: answer.text }).toEqual({
        what,
        status: 403,
        text: expect.stringMatching(/session cookie/),
      });
    // With both, the guard lets it through: the alarm does not exist in her centre.
    expect((await browser.call('POST', alarm)).status).toBe(404);
  });

  it("a console session is no session at home care, and a nurse's session does not open the console's API", async () => {
    const operator = new CookieBrowser(console);
    await operator.signIn('anna');
    const onPhonePage = new CookieBrowser(phone);
    for (const [name, value] of operator.cookies) onPhonePage.cookies.set(name, value);
    expect((await onPhonePage.call('GET', '/api/dispatches')).status).toBe(401);
    const nurse = new CookieBrowser(console);
    await nurse.signIn('nina');
    expect((await nurse.call('GET', '/api/alarms')).status).toBe(403);
  });

  it('renews the access token silently with the refresh token kept on the server', async () => {
    const browser = new CookieBrowser(console);
    await browser.signIn('anna');
    const expiry = async () =>
      (await centreSql.query<{ at: Date }>(`SELECT max(access_expires_at) AS at FROM browser_session`)).rows[0].at;
    const before = await expiry();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await browser.call('GET', '/api/alarms')).status).toBe(200);
    expect((await expiry()).getTime()).toBeGreaterThan(before.getTime() + 2000);
  });

  it('signs out: the session ends at once (the old cookie is refused) and the browser goes on to the provider', async () => {
    const browser = new CookieBrowser(console);
    await browser.signIn('anna');
    const stolen = new Map(browser.cookies);
    expect((await browser.call('POST', '/auth/sign-out', { csrf: null })).status).toBe(403);
    const answer = await browser.call('POST', '/auth/sign-out');
    expect(answer.status).toBe(200);
    const redirect = new URL((JSON.parse(answer.text) as { redirect: string }).redirect);
    expect(redirect.origin).toBe(new URL(provider.issuer).origin);
    expect(redirect.searchParams.get('post_logout_redirect_uri')).toBe(`${console.url}/auth/signed-out`);
    expect(redirect.searchParams.get('id_token_hint')).toBeTruthy();
    const replay = new CookieBrowser(console);
    for (const [name, value] of stolen) replay.cookies.set(name, value);
    const refused = await replay.call('GET', '/api/alarms');
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text)).toMatchObject({ error: 'SessionEnded' });
  });

  it('ends the session when the provider refuses to renew it (the person was removed there)', async () => {
    const browser = new CookieBrowser(console);
    await browser.signIn('anna');
    provider.setPeople(PEOPLE.slice(1));
    try {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const refused = await browser.call('GET', '/api/alarms');
      expect({ status: refused.status, body: JSON.parse(refused.text) }).toMatchObject({
        status: 401,
        body: { error: 'SessionEnded', message: expect.stringMatching(/expired/) },
      });
      expect((await browser.call('GET', '/auth/session')).status).toBe(401);
    } finally {
      provider.setPeople(PEOPLE);
    }
  });

  it('shows a clear page when the provider is away, and the API keeps answering bearer clients', async () => {
    await provider.stop();
    // The console has signed people in before: it does not send the browser to the dead provider.
    const answer = await fetch(`${console.url}/auth/sign-in`, { redirect: 'manual' });
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('Innlogging er ikke tilgjengelig');
    expect((await fetch(`${centre.url}/health/ready`)).status).toBe(200);
  });
});
