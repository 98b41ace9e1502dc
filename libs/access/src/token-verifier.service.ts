import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { Actor } from './actor';
import { actorFromClaims, ClaimsRefused } from './actor-claims';
import { PeopleApiSettings } from './access-settings';

export const ACCESS_SETTINGS = Symbol('ACCESS_SETTINGS');

/** Why a token was refused, in words a caller (and the engineer on call) can act on. */
export class TokenRefused extends Error {
  constructor(
    message: string,
    /** The identity provider could not be reached: not the caller's fault (503, not 401). */
    readonly issuerUnavailable = false,
  ) {
    super(message);
  }
}

/** Asymmetric algorithms only: a shared-secret (HS*) token is never accepted. */
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** Verifies bearer tokens against the issuer's JWKS (cached; refetched when a new key id appears). */
@Injectable()
export class TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(@Inject(ACCESS_SETTINGS) private readonly settings: PeopleApiSettings) {
    this.keys = createRemoteJWKSet(new URL(settings.AUTH_JWKS_URL), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
    });
  }

  async verify(token: string): Promise<Actor> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.AUTH_ISSUER,
        audience: this.settings.AUTH_AUDIENCE,
        algorithms: ALGORITHMS,
        clockTolerance: this.settings.AUTH_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      });
      return actorFromClaims(payload);
    } catch (error) {
      throw refusal(error);
    }
  }
}

function refusal(error: unknown): TokenRefused {
  if (error instanceof ClaimsRefused) return new TokenRefused(error.message);
  if (error instanceof errors.JWTExpired) return new TokenRefused('the token has expired: sign in again');
  if (error instanceof errors.JWTClaimValidationFailed)
    return new TokenRefused(`the token's ${error.claim} claim is not accepted here`);
  if (error instanceof errors.JWKSNoMatchingKey)
    return new TokenRefused('the token is signed with a key the issuer does not publish');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRefused('the token signature does not verify');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new TokenRefused('the token is signed with an algorithm not accepted here');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || isFetchFailure(error)) {
    return new TokenRefused("the identity provider's signing keys could not be fetched", true);
  }
  return new TokenRefused('the bearer token is not a valid signed JWT');
}

function isFetchFailure(error: unknown): boolean {
  return (
    error instanceof TypeError || (error instanceof Error && /fetch|ECONNREFUSED|Expected 200 OK/i.test(error.message))
  );
}
