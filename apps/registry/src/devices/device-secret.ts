import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  secret: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

/** scrypt's recommended interactive cost (about 30 ms here). The parameters are stored in each hash, so they can be raised later. */
const COST = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** 256 random bits: nobody guesses it, so only a leak of the secret itself lets a device be impersonated. */
const SECRET_BYTES = 32;
const HASH_FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export interface IssuedSecret {
  /** Shown once to the admin, to put on the device; never stored. */
  secret: string;
  /** What is stored: scrypt$N$r$p$salt$hash (base64url). */
  hash: string;
}

export async function issueDeviceSecret(): Promise<IssuedSecret> {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { secret, hash: await hashDeviceSecret(secret) };
}

export async function hashDeviceSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(secret, salt, KEY_LENGTH, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * True when the secret matches the stored hash; compared in constant time. For the broker
 * authentication that comes later; a missing or malformed hash never matches.
 */
export async function verifyDeviceSecret(secret: string, storedHash: string | null): Promise<boolean> {
  const parsed = storedHash ? HASH_FORMAT.exec(storedHash) : null;
  if (!parsed || typeof secret !== 'string') return false;
  const [, n, r, p, salt, expectedText] = parsed;
  const expected = Buffer.from(expectedText, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** SIP digest's HA1 (RFC 2617/3261, MD5) for a SCAIP unit whose digest username is its controller id. */
export function scaipDigestHa1(controllerId: string, realm: string, secret: string): string {
  return createHash('md5').update(`${controllerId}:${realm}:${secret}`).digest('hex');
}
