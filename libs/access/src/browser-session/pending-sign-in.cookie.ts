import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { PendingSignIn } from './sign-in-client';

const TEN_MINUTES = 600;

/**
 * The state, nonce and PKCE verifier between the redirect to the provider and the callback,
 * in a cookie encrypted with a key derived from the client secret: any instance can read it,
 * nobody else can read or forge it.
 */
export class PendingSignInCookie {
  private readonly key: Uint8Array;

  constructor(
    clientSecret: string,
    readonly name: string,
  ) {
    this.key = new Uint8Array(hkdfSync('sha256', clientSecret, 'welfare-sign-in', 'pending', 32));
  }

  seal(pending: PendingSignIn): Promise<string> {
    return new EncryptJWT({ ...pending })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setExpirationTime(`${TEN_MINUTES}s`)
      .encrypt(this.key);
  }

  async open(value: string | null): Promise<PendingSignIn | null> {
    if (!value) return null;
    try {
      const { payload } = await jwtDecrypt(value, this.key);
      return payload as unknown as PendingSignIn;
    } catch {
      return null;
    }
  }

  static readonly maxAgeMs = TEN_MINUTES * 1000;
}
