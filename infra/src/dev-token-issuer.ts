/**
 * The development signing key, kept on disk, and tokens minted with it (`npm run token`, the
 * tests). The embedded OpenID provider (dev-oidc-provider.ts) signs with the same key; the bare
 * JWKS issuer here serves the tests that need bearer tokens only. The services verify these
 * tokens exactly as they verify a real provider's.
 */
import { createServer, Server } from 'node:http';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';

export const DEV_TOKEN_AUDIENCE = 'welfare-alarm-backbone';
const ALGORITHM = 'ES256';

/** What `npm run token` and the tests need to mint a token the running services accept. */
export interface DevIssuerFile {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** The private signing key (JWK), readable only by its owner. */
  keyFile: string;
}

export interface RunningDevTokenIssuer extends DevIssuerFile {
  stop(): Promise<void>;
}

/** Serves the JWKS of the key in `keyDir` (made on first use) and writes `issuer.json` there. */
export async function startDevTokenIssuer(options: {
  keyDir: string;
  port?: number;
  host?: string;
}): Promise<RunningDevTokenIssuer> {
  const keyFile = await ensureSigningKey(options.keyDir);
  const publicJwk = publicPart(JSON.parse(readFileSync(keyFile, 'utf8')) as JWK);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => serve(request.url ?? '', response, issuer, publicJwk));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, host, resolve));
  const issuer = `http://${host}:${(server.address() as { port: number }).port}`;
  const file: DevIssuerFile = {
    issuer,
    audience: DEV_TOKEN_AUDIENCE,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    keyFile,
  };
  writeFileSync(join(options.keyDir, 'issuer.json'), JSON.stringify(file, null, 2));
  return { ...file, stop: () => close(server) };
}

/** Signs a token with the dev issuer's key; `claims` carry `sub`, `roles` and the tenancy ids. */
export async function mintDevToken(
  file: DevIssuerFile,
  claims: Record<string, unknown> & { sub: string },
  ttlSeconds = 8 * 3600,
): Promise<string> {
  const jwk = JSON.parse(readFileSync(file.keyFile, 'utf8')) as JWK;
  const key = await importJWK(jwk, ALGORITHM);
  const { sub, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: ALGORITHM, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(file.issuer)
    .setAudience(file.audience)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}

export function readDevIssuerFile(keyDir: string): DevIssuerFile {
  const path = join(keyDir, 'issuer.json');
  if (!existsSync(path))
    throw new Error(`${path} not found: start the system (npm start) first; it runs the embedded OpenID provider`);
  return JSON.parse(readFileSync(path, 'utf8')) as DevIssuerFile;
}

/** The dev signing key in `keyDir` (made on first use): the embedded provider signs with it, `npm run token` too. */
export async function ensureSigningKey(keyDir: string): Promise<string> {
  mkdirSync(keyDir, { recursive: true });
  const keyFile = join(keyDir, 'signing-key.jwk.json');
  if (existsSync(keyFile)) return keyFile;
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: ALGORITHM, use: 'sig', kid: `dev-${Date.now().toString(36)}` };
  writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return keyFile;
}

function publicPart(jwk: JWK): JWK {
  const { d: _private, ...publicJwk } = jwk;
  return publicJwk;
}

function serve(url: string, response: import('node:http').ServerResponse, issuer: string, publicJwk: JWK): void {
  const path = url.split('?')[0];
  const body =
    path === '/.well-known/jwks.json'
      ? { keys: [publicJwk] }
      : path === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: [ALGORITHM] }
        : null;
  response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body ?? { message: 'not found' }));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
