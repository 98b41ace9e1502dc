import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Env override for the repo root, for layouts where walking up from this file can't find it. */
export const REPO_ROOT_ENV = 'WELFARE_REPO_ROOT';

let cachedRoot: string | undefined;

/**
 * The directory holding the repo's package.json. Every entry point (npm scripts, jest, the compiled
 * services) runs with the working directory inside the repo, so walk up from there.
 * Checking for infra/kafka/pom.xml too keeps a stray package.json (e.g. in dist/) from winning.
 */
export function repoRoot(): string {
  const override = process.env[REPO_ROOT_ENV];
  if (override) return resolve(override);
  if (cachedRoot) return cachedRoot;
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'infra', 'kafka', 'pom.xml'))) {
      cachedRoot = dir;
      return dir;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`repo root not found above ${process.cwd()}; set ${REPO_ROOT_ENV}`);
}
