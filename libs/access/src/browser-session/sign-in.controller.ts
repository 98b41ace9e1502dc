import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { Public } from '@welfare/platform';
import { ACCESS_SETTINGS, TokenRefused, TokenVerifier } from '../token-verifier.service';
import type { ConfiguredSignIn } from './sign-in-settings';
import { BrowserSessions, CSRF_HEADER, SessionEnded } from './browser-sessions.service';
import { ProviderUnavailable, SignInClient, SignInRefused } from './sign-in-client';
import { PendingSignInCookie } from './pending-sign-in.cookie';
import { cookieValue } from './cookie-value';
import { providerAwayPage, SIGN_IN_PAGE_CSP, signedOutPage, signInFailedPage } from './sign-in-pages';

export const SIGN_IN_PAGE_PATH = Symbol('SIGN_IN_PAGE_PATH');

/** The script both pages load: who is signed in, the CSRF header, sign-in and sign-out. */
const SESSION_SCRIPT = readFileSync(new URL('./public/session.js', import.meta.url));
const RETURN_PATH = /^\/[A-Za-z0-9/_.-]*$/;

/**
 * The backend-for-frontend sign-in (IETF OAuth for browser-based apps): the browser only ever
 * holds an httpOnly cookie; the code exchange, the tokens and their renewal stay here.
 */
@ApiExcludeController()
@Public()
@Controller('auth')
export class SignInController {
  private readonly pending: PendingSignInCookie;

  constructor(
    @Inject(ACCESS_SETTINGS) private readonly settings: ConfiguredSignIn,
    @Inject(SIGN_IN_PAGE_PATH) private readonly pagePath: string,
    private readonly client: SignInClient,
    private readonly sessions: BrowserSessions,
    private readonly verifier: TokenVerifier,
  ) {
    this.pending = new PendingSignInCookie(settings.AUTH_CLIENT_SECRET, `${sessions.cookieName}-pending`);
  }

  /** Sends the browser to the provider's login; `return` is the page path to come back to. */
  @Get('sign-in')
  async signIn(@Query('return') returnTo: string | undefined, @Res() response: Response): Promise<void> {
    const path = returnTo && RETURN_PATH.test(returnTo) && !returnTo.startsWith('//') ? returnTo : this.pagePath;
    try {
      const { url, pending } = await this.client.authorizationUrl(path);
      response.cookie(this.pending.name, await this.pending.seal(pending), {
        httpOnly: true,
        secure: this.settings.PUBLIC_URL.startsWith('https:'),
        // Lax: the provider's redirect back is a top-level navigation from another site.
        sameSite: 'lax',
        path: '/auth',
        maxAge: PendingSignInCookie.maxAgeMs,
      });
      response.redirect(303, url.href);
    } catch (error) {
      if (!(error instanceof ProviderUnavailable)) throw error;
      html(response, 503, providerAwayPage(`/auth/sign-in?return=${encodeURIComponent(path)}`));
    }
  }

  @Get('callback')
  async callback(@Req() request: Request, @Res() response: Response): Promise<void> {
    const pending = await this.pending.open(cookieValue(request.headers.cookie, this.pending.name));
    response.clearCookie(this.pending.name, { path: '/auth' });
    const retry = `/auth/sign-in?return=${encodeURIComponent(pending?.returnTo ?? this.pagePath)}`;
    if (!pending) return html(response, 400, signInFailedPage('Innloggingen ble ikke fullført i tide.', retry));
    try {
      const tokens = await this.client.exchangeCode(new URL(request.originalUrl, this.settings.PUBLIC_URL), pending);
      const actor = await this.verifier.verify(tokens.accessToken);
      await this.sessions.begin(response, actor.subject, tokens);
      response.redirect(303, pending.returnTo);
    } catch (error) {
      if (error instanceof ProviderUnavailable) return html(response, 503, providerAwayPage(retry));
      if (error instanceof SignInRefused || error instanceof TokenRefused)
        return html(response, 403, signInFailedPage(`Innloggingen ble avvist: ${error.message}`, retry));
      throw error;
    }
  }

  /** Who is signed in, and the CSRF token the page sends with every change; 401 when nobody is. */
  @Get('session')
  async session(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    response.setHeader('Cache-Control', 'no-store');
    try {
      const actor = await this.verifier.verify(await this.sessions.accessToken(request));
      return { actor, csrfToken: this.sessions.csrfToken(request), csrfHeader: CSRF_HEADER };
    } catch (error) {
      if (error instanceof TokenRefused && !error.issuerUnavailable) throw new SessionEnded(error.message);
      throw error;
    }
  }

  /** Ends the session here and answers where the browser goes to end it at the provider as well. */
  @Post('sign-out')
  @HttpCode(200)
  async signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const tokens = await this.sessions.end(request, response);
    if (!tokens) return { redirect: `/auth/signed-out` };
    await this.client.revoke(tokens);
    return { redirect: (await this.client.endSessionUrl(tokens))?.href ?? '/auth/signed-out' };
  }

  @Get('signed-out')
  signedOut(@Res() response: Response): void {
    html(response, 200, signedOutPage(this.pagePath));
  }

  @Get('session.js')
  script(@Res() response: Response): void {
    response.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.send(SESSION_SCRIPT);
  }
}

function html(response: Response, status: number, body: string): void {
  response.status(status);
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Security-Policy', SIGN_IN_PAGE_CSP);
  response.send(body);
}
