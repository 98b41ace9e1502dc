import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as digest from 'sip/digest.js';
import type { SipMessage } from 'sip';

/** What a request's credentials say: pass; none or a stale nonce (challenge again); or wrong / replayed. */
export type DigestVerdict =
  { ok: true } | { ok: false; reason: null | 'digest_wrong' | 'digest_replayed'; detail: string };

interface IssuedNonce {
  expiresAt: number;
  /** Highest nonce count used with it (qop=auth); a request must use a higher one. */
  lastCount: number;
}

interface Credentials {
  username?: string;
  realm?: string;
  nonce?: string;
  uri?: string;
  response?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

const NONCE_LIFETIME_MS = 5 * 60_000;
const MAX_OUTSTANDING_NONCES = 50_000;

/**
 * SIP digest (RFC 3261 section 22, MD5, qop=auth) against a unit's HA1, which the registry keeps.
 * Nonces are the gateway's own random values, valid five minutes. A replay is refused: with qop
 * the nonce count must rise with every request; without qop a nonce serves once. The hash
 * arithmetic is the `sip` package's (`sip/digest`).
 */
export class DigestAuthenticator {
  private readonly nonces = new Map<string, IssuedNonce>();

  constructor(readonly realm: string) {}

  /** Adds a fresh challenge to a 401 response. */
  challenge(response: SipMessage, nowMs: number): SipMessage {
    this.forgetExpired(nowMs);
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, { expiresAt: nowMs + NONCE_LIFETIME_MS, lastCount: 0 });
    response.headers['www-authenticate'] = [
      { scheme: 'Digest', realm: quote(this.realm), nonce: quote(nonce), qop: quote('auth'), algorithm: 'MD5' },
    ];
    return response;
  }

  /** Whether the request carries valid, fresh credentials of `username` whose HA1 is `ha1`. */
  verify(request: SipMessage, username: string, ha1: string, nowMs: number): DigestVerdict {
    const offered = (request.headers.authorization as Credentials[] | undefined)?.map(unquoteAll);
    const credentials = offered?.find((candidate) => candidate.realm === this.realm);
    if (!credentials) return { ok: false, reason: null, detail: 'no credentials for this realm' };
    const issued = credentials.nonce ? this.nonces.get(credentials.nonce) : undefined;
    if (!issued || issued.expiresAt < nowMs) return { ok: false, reason: null, detail: 'unknown or expired nonce' };
    if (credentials.username !== username)
      return { ok: false, reason: 'digest_wrong', detail: 'digest username is not the controller id' };
    const count = credentials.qop ? parseInt(credentials.nc ?? '', 16) : issued.lastCount + 1;
    if (!Number.isInteger(count) || count <= issued.lastCount) {
      return { ok: false, reason: 'digest_replayed', detail: 'nonce count not above the last one: a replay' };
    }
    const expected = digest.calculateDigest({
      ha1,
      method: request.method,
      uri: credentials.uri,
      nonce: credentials.nonce,
      nc: credentials.nc,
      cnonce: credentials.cnonce,
      qop: credentials.qop,
    });
    if (!sameText(expected, credentials.response ?? '')) {
      this.nonces.delete(credentials.nonce!);
      return { ok: false, reason: 'digest_wrong', detail: 'digest response does not match' };
    }
    issued.lastCount = count;
    if (!credentials.qop) this.nonces.delete(credentials.nonce!);
    return { ok: true };
  }

  private forgetExpired(nowMs: number): void {
    for (const [nonce, issued] of this.nonces) {
      if (issued.expiresAt >= nowMs && this.nonces.size < MAX_OUTSTANDING_NONCES) break;
      this.nonces.delete(nonce);
    }
  }
}

function quote(value: string): string {
  return `"${value}"`;
}

function unquoteAll(credentials: Credentials): Credentials {
  return Object.fromEntries(
    Object.entries(credentials).map(([key, value]) => [
      key,
      typeof value === 'string' ? value.replace(/^"(.*)"$/, '$1') : value,
    ]),
  ) as Credentials;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
