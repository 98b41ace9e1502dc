import { Inject, Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { ACCESS_SETTINGS } from '../token-verifier.service';
import type { ConfiguredSignIn } from './sign-in-settings';
import type { SessionTokens } from './browser-session.store';

/** The provider could not be reached (or answered nonsense): the page says so and offers to try again. */
export class ProviderUnavailable extends Error {}
/** The provider refused (an expired refresh token, a used code): the person signs in again. */
export class SignInRefused extends Error {}

/** What the callback needs from the sign-in that sent the browser to the provider. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export interface IssuedTokens extends SessionTokens {
  accessExpiresAt: Date;
}

export const SIGN_IN_CALLBACK = '/auth/callback';
export const SIGNED_OUT = '/auth/signed-out';

/**
 * The page's backend as an OpenID client, with openid-client (certified; no hand-written OAuth):
 * Authorization Code with PKCE and a nonce, refresh, revocation and RP-initiated logout. The
 * provider's metadata is fetched at each sign-in, not at start, so a provider that is away never
 * stops the alarm service.
 */
@Injectable()
export class SignInClient {
  private readonly logger = new Logger(SignInClient.name);
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(@Inject(ACCESS_SETTINGS) private readonly settings: ConfiguredSignIn) {}

  async authorizationUrl(returnTo: string): Promise<{ url: URL; pending: PendingSignIn }> {
    // Fresh metadata at every sign-in: a provider that is away is found here, and the person gets
    // our page saying so instead of a browser error at the provider's address.
    const config = await this.discover();
    this.configuration = Promise.resolve(config);
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      returnTo,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl(),
      scope: this.settings.AUTH_SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  async exchangeCode(callbackUrl: URL, pending: PendingSignIn): Promise<IssuedTokens> {
    const config = await this.config();
    return issued(
      await this.call(() =>
        oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        }),
      ),
    );
  }

  async refresh(tokens: SessionTokens): Promise<IssuedTokens> {
    if (!tokens.refreshToken) throw new SignInRefused('the provider gave no refresh token: sign in again');
    const config = await this.config();
    const renewed = issued(await this.call(() => oidc.refreshTokenGrant(config, tokens.refreshToken!)));
    return {
      ...renewed,
      refreshToken: renewed.refreshToken ?? tokens.refreshToken,
      idToken: renewed.idToken ?? tokens.idToken,
    };
  }

  /** Where the browser goes to end the provider's session too; null when the provider is away. */
  async endSessionUrl(tokens: SessionTokens): Promise<URL | null> {
    try {
      const config = await this.config();
      return oidc.buildEndSessionUrl(config, {
        post_logout_redirect_uri: `${this.settings.PUBLIC_URL}${SIGNED_OUT}`,
        ...(tokens.idToken ? { id_token_hint: tokens.idToken } : {}),
      });
    } catch (error) {
      this.logger.warn(`sign-out could not reach the provider: ${(error as Error).message}`);
      return null;
    }
  }

  /** Best effort: the refresh token stops working even if the browser never reaches the provider. */
  async revoke(tokens: SessionTokens): Promise<void> {
    if (!tokens.refreshToken) return;
    try {
      await oidc.tokenRevocation(await this.config(), tokens.refreshToken, { token_type_hint: 'refresh_token' });
    } catch (error) {
      this.logger.warn(`the refresh token could not be revoked: ${(error as Error).message}`);
    }
  }

  callbackUrl(): string {
    return `${this.settings.PUBLIC_URL}${SIGN_IN_CALLBACK}`;
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = null;
      throw error;
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.AUTH_ISSUER);
    const options =
      issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests], timeout: 5 } : { timeout: 5 };
    try {
      return await oidc.discovery(
        issuer,
        this.settings.AUTH_CLIENT_ID,
        this.settings.AUTH_CLIENT_SECRET,
        undefined,
        options,
      );
    } catch (error) {
      throw new ProviderUnavailable(
        `the OpenID provider ${issuer.href} could not be reached: ${(error as Error).message}`,
      );
    }
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError)
        throw new SignInRefused(`${error.error}${error.error_description ? `: ${error.error_description}` : ''}`);
      if (error instanceof oidc.ClientError) throw new SignInRefused(error.message);
      throw new ProviderUnavailable(`the OpenID provider could not be reached: ${(error as Error).message}`);
    }
  }
}

/** The provider's own `expires_in`: the helper `expiresIn()` floors to whole seconds, up to 1 s early. */
function issued(response: oidc.TokenEndpointResponse): IssuedTokens {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? null,
    idToken: response.id_token ?? null,
    accessExpiresAt: new Date(Date.now() + (response.expires_in ?? 300) * 1000),
  };
}
