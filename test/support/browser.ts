import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { repoRoot } from '../../infra/src/repo-root';

/** Debian's Chromium: the browser tests drive it with playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (kept as test artifacts, not in git). */
export const SCREENSHOT_DIR = join(repoRoot(), 'test-results', 'screenshots');

/**
 * Installs Debian's chromium package when it is missing (the machines have apt and Debian's
 * registry, not a browser). Runs as root, or through sudo when there is one.
 */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) =>
    execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : ['-n', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', 'chromium']);
  } catch (error) {
    throw new Error(
      `${CHROMIUM} is missing and could not be installed with apt-get (needs root or passwordless sudo): ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
}

export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}
