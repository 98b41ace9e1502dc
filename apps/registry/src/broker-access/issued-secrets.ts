import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';

/**
 * The plaintext secrets issued while one HTTP request is handled, by their hash. Mosquitto's
 * dynamic-security plugin hashes a password itself, so the broker must be given the secret in
 * the transaction that stores its hash; the registry keeps only the hash. The secret lives in
 * the request's own async context and goes with it: never in a module-wide map, never logged.
 */
const issuedInRequest = new AsyncLocalStorage<Map<string, string>>();

/** Express middleware: every request gets an empty scope (registered for all routes). */
export function issuedSecretsScope(_request: Request, _response: Response, next: NextFunction): void {
  issuedInRequest.run(new Map(), next);
}

/** Called where a secret is born (device-secret.ts); outside a request it is not kept. */
export function rememberIssuedSecret(hash: string, secret: string): void {
  issuedInRequest.getStore()?.set(hash, secret);
}

export function issuedSecretFor(hash: string): string | undefined {
  return issuedInRequest.getStore()?.get(hash);
}

/** Runs `work` in a scope of its own (scripts and tests that change devices without HTTP). */
export function withIssuedSecretsScope<T>(work: () => T): T {
  return issuedInRequest.run(new Map(), work);
}
