import { mkdtemp } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../infra/src/free-port';
import { DevPerson, RunningDevOidcProvider, startDevOidcProvider } from '../../infra/src/dev-oidc-provider';
import { useIssuer } from './tokens';

export const CLIENT_SECRET = 'test-client-secret-0123456789';

/** A page service's address fixed before it starts, so the provider can register its callback. */
export interface PageService {
  clientId: string;
  port: number;
  url: string;
  /** The settings that make the service sign people in at the file's provider. */
  env: Record<string, string>;
}

/**
 * The embedded OpenID provider for one test file, with a client per page service; bearer tokens
 * of the file are minted with its key (tokens.ts), so the services trust one issuer as in production.
 */
export async function startSignInProvider(
  clientIds: string[],
  options: { accessTokenTtlSeconds?: number } = {},
): Promise<{ provider: RunningDevOidcProvider; pages: PageService[] }> {
  const ports = await freePorts(clientIds.length);
  const pages = clientIds.map((clientId, k) => ({ clientId, port: ports[k], url: `http://127.0.0.1:${ports[k]}` }));
  const provider = await startDevOidcProvider({
    keyDir: await mkdtemp(join(tmpdir(), 'welfare-oidc-')),
    clients: pages.map((page) => ({ clientId: page.clientId, clientSecret: CLIENT_SECRET, publicUrl: page.url })),
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
  });
  useIssuer(provider);
  return {
    provider,
    pages: pages.map((page) => ({
      ...page,
      env: {
        HTTP_PORT: String(page.port),
        AUTH_CLIENT_ID: page.clientId,
        AUTH_CLIENT_SECRET: CLIENT_SECRET,
        PUBLIC_URL: page.url,
      },
    })),
  };
}

/** A person of the test, password `secret`. */
export function person(
  username: string,
  claims: Omit<DevPerson, 'username' | 'password' | 'sub'> & { sub?: string },
): DevPerson {
  return { username, password: 'secret', sub: `sub-${username}`, ...claims };
}

/** Signs in on a page in the browser: its sign-in button, the provider's login form, back to the page. */
export async function signInOnPage(
  page: Page,
  username: string,
  onLoginForm: (page: Page) => Promise<void> = async () => {},
): Promise<void> {
  const back = new URL(page.url()).origin;
  await page.locator('#sign-in-button').click();
  await page.locator('#username').fill(username);
  await page.locator('#password').fill('secret');
  await onLoginForm(page);
  await page.locator('button[type=submit]').click();
  await page.waitForURL((url) => url.origin === back, { timeout: 30_000 });
}

/**
 * A browser as far as cookies and redirects go: signs in through the provider's login form and
 * then calls the page's API with its session cookie, the CSRF header, and its own Origin.
 */
export class CookieBrowser {
  readonly cookies = new Map<string, string>();
  csrfToken = '';

  constructor(readonly page: PageService) {}

  async signIn(username: string, password = 'secret'): Promise<void> {
    let response = await this.follow(`${this.page.url}/auth/sign-in`);
    const form = /action="([^"]+)"/.exec(await response.clone().text());
    if (!form)
      throw new Error(
        `no login form (status ${response.status}): ${/<p>(.*?)<\/p>/s.exec(await response.clone().text())?.[1]}`,
      );
    const login = new URL(form[1], response.url).href;
    response = await this.follow(login, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });
    if (!response.url.startsWith(this.page.url))
      throw new Error(`sign-in ended at ${response.url} (${response.status})`);
    const session = await this.call('GET', '/auth/session');
    if (session.status !== 200) throw new Error(`no session after sign-in: ${session.status} ${session.text}`);
    this.csrfToken = (JSON.parse(session.text) as { csrfToken: string }).csrfToken;
  }

  /** An API call as the page makes it: cookie, Origin and (unless told otherwise) the CSRF header. */
  async call(
    method: string,
    path: string,
    options: { body?: unknown; origin?: string | null; csrf?: string | null; site?: string } = {},
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const headers = this.requestHeaders(options);
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const abort = new AbortController();
    const response = await fetch(`${this.page.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: 'manual',
      signal: abort.signal,
    });
    this.keep(response);
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      abort.abort();
      return { status: response.status, text: '', headers: response.headers };
    }
    return { status: response.status, text: await response.text(), headers: response.headers };
  }

  /** What the page's requests carry: the session cookie, its Origin and the CSRF header (each may be changed or left out). */
  requestHeaders(
    options: { origin?: string | null; csrf?: string | null; site?: string } = {},
  ): Record<string, string> {
    const headers: Record<string, string> = { cookie: this.cookieHeader(this.page.url) };
    const origin = options.origin === undefined ? this.page.url : options.origin;
    if (origin) headers.origin = origin;
    const csrf = options.csrf === undefined ? this.csrfToken : options.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    if (options.site) headers['sec-fetch-site'] = options.site;
    return headers;
  }

  /** Follows redirects by hand, keeping each host's cookies (fetch drops them between hops). */
  private async follow(url: string, init: RequestInit = {}): Promise<Response> {
    let next = url;
    let request = init;
    for (let hop = 0; hop < 10; hop++) {
      const response = await fetch(next, {
        ...request,
        headers: { ...(request.headers as Record<string, string>), cookie: this.cookieHeader(next) },
        redirect: 'manual',
      });
      this.keep(response);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || !location) {
        Object.defineProperty(response, 'url', { value: next });
        return response;
      }
      next = new URL(location, next).href;
      request = {};
    }
    throw new Error('too many redirects');
  }

  /** Cookies ignore ports, as in a browser: one jar for 127.0.0.1, names kept apart by the services. */
  private cookieHeader(_url: string): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}
