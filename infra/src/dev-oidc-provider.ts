/**
 * The embedded OpenID provider of `npm start` and the tests: node-oidc-provider (an OpenID
 * Certified implementation) with a login form and a few seeded people. It stands in for
 * Keycloak, HelseID or Entra ID on one machine. It signs with the dev key in `keyDir` and writes
 * `issuer.json` there, so `npm run token` mints bearer tokens the services accept as well.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Provider, { type ClientMetadata, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { DEV_TOKEN_AUDIENCE, DevIssuerFile, ensureSigningKey } from './dev-token-issuer';

/** A person who can sign in, with the role and tenant claims the APIs check. */
export interface DevPerson {
  username: string;
  password: string;
  sub: string;
  name: string;
  roles: string[];
  response_centre_id?: string;
  municipality_id?: string;
  home_care_team_id?: string;
}

/** A page's backend (a confidential client): it signs people in with Authorization Code and PKCE. */
export interface DevClient {
  clientId: string;
  clientSecret: string;
  /** The page's origin, e.g. http://127.0.0.1:3000: its callback and sign-out landing hang off it. */
  publicUrl: string;
}

export interface RunningDevOidcProvider extends DevIssuerFile {
  /** Replaces who may sign in (npm start learns the seeded tenants' ids after the registry is up). */
  setPeople(people: DevPerson[]): void;
  stop(): Promise<void>;
}

/** The paths a page's backend uses, relative to its public URL (the sign-in module serves them). */
export const SIGN_IN_CALLBACK_PATH = '/auth/callback';
export const SIGNED_OUT_PATH = '/auth/signed-out';

const SCOPE = 'welfare';
/** The APIs as a resource indicator (an absolute URI); their tokens' audience stays `welfare-alarm-backbone`. */
const API_RESOURCE = 'urn:welfare-alarm-backbone:api';
export const DEV_PASSWORD = 'velkommen';

/** The people `npm start` seeds: an operator and a supervisor of the first centre, a nurse of its team, an administrator of its municipality. */
export function seededPeople(tenants: {
  responseCentreId: string;
  municipalityId: string;
  homeCareTeamId: string;
}): DevPerson[] {
  const person = (username: string, name: string, roles: string[], claims: Partial<DevPerson>): DevPerson => ({
    username,
    password: DEV_PASSWORD,
    sub: `dev-${username}`,
    name,
    roles,
    ...claims,
  });
  return [
    person('operator', 'Anna Operatør', ['operator'], { response_centre_id: tenants.responseCentreId }),
    person('supervisor', 'Sigurd Vaktleder', ['supervisor'], { response_centre_id: tenants.responseCentreId }),
    person('nurse', 'Nina Sykepleier', ['home-care'], { home_care_team_id: tenants.homeCareTeamId }),
    person('admin', 'Mari Kommuneadmin', ['municipality-admin'], { municipality_id: tenants.municipalityId }),
  ];
}

export async function startDevOidcProvider(options: {
  keyDir: string;
  clients: DevClient[];
  people?: DevPerson[];
  port?: number;
  host?: string;
  /** Short in tests that watch a session being renewed. */
  accessTokenTtlSeconds?: number;
}): Promise<RunningDevOidcProvider> {
  const keyFile = await ensureSigningKey(options.keyDir);
  let people = options.people ?? [];
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, host, resolve));
  const issuer = `http://${host}:${(server.address() as { port: number }).port}`;
  const person = (sub: string | undefined) => people.find((candidate) => candidate.sub === sub);
  const provider = new Provider(
    issuer,
    providerConfiguration({
      signingKey: JSON.parse(readFileSync(keyFile, 'utf8')) as JWK,
      clients: options.clients,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
      person,
    }),
  );
  const handleOidc = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.url?.startsWith('/interaction/')) {
      void interaction(provider, request, response, () => people).catch((error: unknown) => {
        response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`Innloggingen kan ikke fortsette / the sign-in cannot continue: ${(error as Error).message}`);
      });
      return;
    }
    void handleOidc(request, response);
  });
  const file: DevIssuerFile = {
    issuer,
    audience: DEV_TOKEN_AUDIENCE,
    jwksUrl: `${issuer}/jwks`,
    keyFile,
  };
  writeFileSync(join(options.keyDir, 'issuer.json'), JSON.stringify(file, null, 2));
  return {
    ...file,
    setPeople: (next) => {
      people = next;
    },
    stop: () => close(server),
  };
}

function providerConfiguration(options: {
  signingKey: JWK;
  clients: DevClient[];
  accessTokenTtlSeconds: number;
  person: (sub: string | undefined) => DevPerson | undefined;
}): ConstructorParameters<typeof Provider>[1] {
  const { person } = options;
  const tokenClaims = (sub: string | undefined) => {
    const found = person(sub);
    if (!found) return undefined;
    const { username: _username, password: _password, sub: _sub, ...claims } = found;
    return claims;
  };
  return {
    clients: options.clients.map(clientMetadata),
    jwks: { keys: [options.signingKey as never] },
    // Tokens carry `roles` and the tenancy ids: the same claims Keycloak's mappers put there.
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: (_ctx, sub) =>
      person(sub) ? { accountId: sub, claims: () => ({ sub, name: person(sub)?.name }) } : undefined,
    extraTokenClaims: (_ctx, token) => tokenClaims('accountId' in token ? token.accountId : undefined),
    pkce: { required: () => true },
    // Refresh tokens for the pages' backends; not rotated, so two requests renewing at once cannot
    // trip reuse detection and end the session.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => false,
    // The pages' backends are first-party: the people of the organisation sign in, nobody consents.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId,
      });
      grant.addOIDCScope('openid profile');
      grant.addResourceScope(API_RESOURCE, SCOPE);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        // Every token is for the APIs, as a JWT they verify against the JWKS.
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SCOPE,
          audience: DEV_TOKEN_AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: options.accessTokenTtlSeconds,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    clientBasedCORS: () => false,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Grant: 12 * 3600,
      Session: 12 * 3600,
      RefreshToken: 12 * 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Noe gikk galt', `<p>${escapeHtml(String(out.error_description ?? out.error))}</p>`);
    },
  };
}

function clientMetadata(client: DevClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: [`${client.publicUrl}${SIGN_IN_CALLBACK_PATH}`],
    post_logout_redirect_uris: [`${client.publicUrl}${SIGNED_OUT_PATH}`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  };
}

/** The login form: GET shows it, POST checks the password and hands the person back to the provider. */
async function interaction(
  provider: Provider,
  request: IncomingMessage,
  response: ServerResponse,
  people: () => DevPerson[],
): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  if (details.prompt.name !== 'login') {
    // First-party clients never need consent (loadExistingGrant grants); anything else is finished as is.
    await provider.interactionFinished(request, response, {}, { mergeWithLastSubmission: true });
    return;
  }
  if (request.method !== 'POST') return sendHtml(response, 200, loginPage(details.uid, people(), ''));
  const form = new URLSearchParams(await body(request));
  const found = people().find((person) => person.username === form.get('username'));
  if (!found || !samePassword(found.password, form.get('password') ?? '')) {
    return sendHtml(response, 401, loginPage(details.uid, people(), 'Feil brukernavn eller passord.'));
  }
  await provider.interactionFinished(request, response, { login: { accountId: found.sub } });
}

function loginPage(uid: string, people: DevPerson[], error: string): string {
  const seeded = people.map(
    (person) => `<li><code>${escapeHtml(person.username)}</code>: ${escapeHtml(person.name)}</li>`,
  );
  return page(
    'Logg inn',
    `${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
    <p lang="en">Sign in with your user name (Brukernavn) and password (Passord).</p>
    <form method="post" action="/interaction/${escapeHtml(uid)}">
      <label for="username">Brukernavn</label>
      <input id="username" name="username" autocomplete="username" required autofocus />
      <label for="password">Passord</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit">Logg inn</button>
    </form>
    <section aria-labelledby="dev-heading">
      <h2 id="dev-heading">Utviklingsmiljø</h2>
      <p>Dette er den innebygde innloggingstjenesten til <code>npm start</code>. Brukere (passord <code>${DEV_PASSWORD}</code>):</p>
      <ul>${seeded.join('')}</ul>
    </section>`,
  );
}

/** RP-initiated logout: a request that names the session's ID token signs out at once; others ask first. */
async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const confirmed = Boolean(ctx.oidc.params?.id_token_hint);
  ctx.body = page(
    'Logg ut',
    `${form.replace('</form>', '<input type="hidden" name="logout" value="yes" /></form>')}
    <p>Vil du logge ut?</p>
    <button type="submit" form="op.logoutForm" autofocus>Logg ut</button>
    ${confirmed ? `<script>document.forms[0].submit()</script>` : ''}`,
  );
}

async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.body = page('Du er logget ut', '<p>Du er logget ut.</p>');
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="nb">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)} · Velferdsalarm</title>
    <style>
      body { font: 1.1rem/1.5 system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; }
      label, input, button { display: block; width: 100%; box-sizing: border-box; }
      input { font: inherit; padding: 0.5rem; margin: 0.25rem 0 1rem; }
      button { font: inherit; padding: 0.7rem; background: #0b5394; color: #fff; border: 0; border-radius: 4px; }
      .error { color: #a00; font-weight: bold; }
      :focus-visible { outline: 3px solid #0b5394; outline-offset: 2px; }
    </style>
  </head>
  <body>
    <main>
      <h1>${escapeHtml(title)}</h1>
      ${content}
    </main>
  </body>
</html>`;
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
  });
  response.end(html);
}

function samePassword(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 10_000) throw new Error('the form is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
