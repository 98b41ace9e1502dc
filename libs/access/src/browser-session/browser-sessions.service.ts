import {
  ForbiddenException,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { Clock } from '@welfare/platform';
import { ACCESS_SETTINGS } from '../token-verifier.service';
import type { ConfiguredSignIn } from './sign-in-settings';
import { BrowserSessionStore, SessionTokens, StoredSession } from './browser-session.store';
import { cookieValue } from './cookie-value';
import { IssuedTokens, ProviderUnavailable, SignInClient, SignInRefused } from './sign-in-client';

/** A shift: after this a person signs in again, however active. */
const SESSION_HOURS = 12;
/** Renew this long before the access token expires, so a request never carries one about to lapse. */
const RENEW_MARGIN_MS = 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/** 401 `SessionEnded`: the page asks the person to sign in again. */
export class SessionEnded extends UnauthorizedException {
  constructor(message = 'the session has ended: sign in again') {
    super(message);
    this.name = 'SessionEnded';
  }
}

/**
 * Browser sessions of the page's backend: an httpOnly cookie holding a random id, the tokens
 * in the database, renewed with the refresh token before they lapse. A cookie counts only when
 * the request comes from the page's own origin, and a request that changes anything must also
 * carry the session's CSRF token in a header, which another site's page cannot read or send.
 */
@Injectable()
export class BrowserSessions {
  /** One renewal per session at a time: concurrent requests share it. */
  private readonly renewals = new Map<string, Promise<IssuedTokens>>();
  readonly cookieName: string;
  private readonly secure: boolean;
  private readonly origin: string;

  constructor(
    @Inject(ACCESS_SETTINGS) settings: ConfiguredSignIn,
    private readonly store: BrowserSessionStore,
    private readonly client: SignInClient,
    private readonly clock: Clock,
  ) {
    this.origin = new URL(settings.PUBLIC_URL).origin;
    this.secure = this.origin.startsWith('https:');
    // Cookies ignore ports: each page's cookie has a name of its own. __Host- pins it to this host over https.
    this.cookieName = `${this.secure ? '__Host-' : ''}welfare-session-${settings.AUTH_CLIENT_ID.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  hasCookie(request: Request): boolean {
    return this.cookieId(request) !== null;
  }

  async begin(response: Response, subject: string, tokens: IssuedTokens): Promise<void> {
    const id = randomBytes(32);
    const now = this.clock.now();
    await this.store.insert(
      id,
      {
        subject,
        tokens,
        accessExpiresAt: tokens.accessExpiresAt,
        endsAt: new Date(now.getTime() + SESSION_HOURS * 3600_000),
      },
      now,
    );
    response.cookie(this.cookieName, id.toString('base64url'), {
      httpOnly: true,
      secure: this.secure,
      sameSite: 'strict',
      path: '/',
    });
  }

  /** The access token of the request's session, renewed first when it is about to lapse. */
  async accessToken(request: Request): Promise<string> {
    const id = this.cookieId(request);
    if (!id) throw new SessionEnded('no session: sign in');
    this.refuseOtherOrigins(request, id);
    const session = await this.store.find(id, this.clock.now());
    if (!session) throw new SessionEnded();
    if (session.accessExpiresAt.getTime() - this.clock.now().getTime() > RENEW_MARGIN_MS)
      return session.tokens.accessToken;
    return (await this.renewed(id, session)).accessToken;
  }

  /** The token the page sends back in the `x-csrf-token` header: derived from the cookie id, never stored. */
  csrfToken(request: Request): string {
    const id = this.cookieId(request);
    if (!id) throw new SessionEnded('no session: sign in');
    return csrfOf(id);
  }

  /** Ends the session here (at once) and returns its tokens, for revocation and the provider's sign-out. */
  async end(request: Request, response: Response): Promise<SessionTokens | null> {
    const id = this.cookieId(request);
    if (!id) return null;
    this.refuseOtherOrigins(request, id);
    this.clear(response);
    const session = await this.store.find(id, this.clock.now());
    await this.store.delete(id);
    return session?.tokens ?? null;
  }

  clear(response: Response): void {
    response.clearCookie(this.cookieName, { httpOnly: true, secure: this.secure, sameSite: 'strict', path: '/' });
  }

  private refuseOtherOrigins(request: Request, id: Buffer): void {
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    if (
      (site !== undefined && site !== 'same-origin' && site !== 'none') ||
      (origin !== undefined && origin !== this.origin)
    )
      throw new ForbiddenException(`a session cookie is accepted only from ${this.origin}`);
    if (SAFE_METHODS.has(request.method)) return;
    if (origin === undefined)
      throw new ForbiddenException('a change made with a session cookie needs the Origin header');
    const given = request.headers[CSRF_HEADER];
    if (typeof given !== 'string' || !sameText(given, csrfOf(id)))
      throw new ForbiddenException(
        `a change made with a session cookie needs the ${CSRF_HEADER} header of the session`,
      );
  }

  private renewed(id: Buffer, session: StoredSession): Promise<IssuedTokens> {
    const key = id.toString('base64url');
    let renewal = this.renewals.get(key);
    if (!renewal) {
      renewal = this.renew(id, session).finally(() => this.renewals.delete(key));
      this.renewals.set(key, renewal);
    }
    return renewal;
  }

  private async renew(id: Buffer, session: StoredSession): Promise<IssuedTokens> {
    try {
      const tokens = await this.client.refresh(session.tokens);
      await this.store.renewTokens(id, tokens, tokens.accessExpiresAt);
      return tokens;
    } catch (error) {
      if (error instanceof SignInRefused) {
        await this.store.delete(id);
        throw new SessionEnded('the session has expired: sign in again');
      }
      // The provider is away: the token still holds until it expires; after that, nothing can be checked.
      if (error instanceof ProviderUnavailable && session.accessExpiresAt > this.clock.now())
        return { ...session.tokens, accessExpiresAt: session.accessExpiresAt };
      if (error instanceof ProviderUnavailable)
        throw new ServiceUnavailableException(
          'the sign-in service cannot be reached to renew the session; try again shortly',
        );
      throw error;
    }
  }

  private cookieId(request: Request): Buffer | null {
    const value = cookieValue(request.headers.cookie, this.cookieName);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) return null;
    return Buffer.from(value, 'base64url');
  }
}

function csrfOf(id: Buffer): string {
  return createHmac('sha256', id).update('welfare-csrf').digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
