import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './commands';

/** npm can take a while on a busy machine; the package is about 30 MB. */
const INSTALL_TIMEOUT_MS = 300_000;

/**
 * The `node` binary of a Node.js major line: this process's own when it is that line, otherwise
 * one installed once from the npm registry's `node` package (it ships Node's own binaries) into
 * the cache folder scripts/supported-node.sh uses. Lets a test run services on the other
 * supported LTS line than the one the tests run on.
 */
export async function nodeOfMajor(major: number): Promise<string> {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'welfare-backbone');
  const dir = join(cache, `node-${major}`);
  const binary = join(dir, 'node_modules', '.bin', 'node');
  if (existsSync(binary)) return binary;
  // Installed beside and renamed into place: test files running in parallel may ask at once.
  const staging = `${dir}.${process.pid}.tmp`;
  await mkdir(staging, { recursive: true });
  try {
    await runCommand(
      'npm',
      ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node@${major}`],
      INSTALL_TIMEOUT_MS,
    );
    if (!existsSync(binary)) await rename(staging, dir).catch(() => undefined);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!existsSync(binary)) throw new Error(`node@${major} from the npm registry left no ${binary}`);
  return binary;
}
