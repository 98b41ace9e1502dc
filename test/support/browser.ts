import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, chromium, type Locator, type Page } from 'playwright-core';
import { repoRoot } from '../../infra/src/repo-root';

/** Debian's Chromium: the browser tests drive it with playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (kept as test artifacts, not in git). */
export const SCREENSHOT_DIR = join(repoRoot(), 'test-results', 'screenshots');

/** How long a browser test waits for the page to show something (the pages update asynchronously, on a busy machine). */
export const WAIT = { timeout: 30_000 };

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

/** A full-page screenshot, test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Waits until the element's text matches (the pages update asynchronously). */
export async function expectText(locator: Locator, pattern: RegExp): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor(WAIT);
}

/**
 * Collects what should fail a test: the page's script errors and failed requests (bar the
 * browser's favicon probe, the 401 that tells a page nobody is signed in yet, and the refusals
 * in `expected` that the test provokes), and with `consoleErrors` what the page logs as an error
 * (a refusal by its content security policy); a resource that failed to load is already counted
 * as its request. Several pages may share one `errors` list.
 */
export function watchErrors(
  page: Page,
  {
    errors = [],
    expected = [],
    consoleErrors = false,
  }: { errors?: string[]; expected?: RegExp[]; consoleErrors?: boolean } = {},
): string[] {
  page.on('pageerror', (error) => errors.push(error.message));
  if (consoleErrors)
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        errors.push(message.text());
    });
  page.on('response', (response) => {
    const url = response.url();
    const notSignedIn = response.status() === 401 && url.endsWith('/auth/session');
    if (response.status() >= 400 && !url.endsWith('/favicon.ico') && !notSignedIn && !expected.some((e) => e.test(url)))
      errors.push(`${response.status()} ${response.request().method()} ${url}`);
  });
  return errors;
}

/** Presses Tab until the element the selector names has the focus (at most `presses` times: a queue may hold other tests' alarms). */
export async function tabTo(page: Page, selector: string, presses = 150): Promise<void> {
  for (let pressed = 0; pressed <= presses; pressed++) {
    if (await page.evaluate((wanted) => (globalThis as any).document.activeElement?.matches(wanted), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}
