import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOT_DIR } from '../support/browser';
import { CentreWorld, type Place } from '../support/centre-world';
import { type RunningService, startResponseCentre } from '../support/running-services';
import { createTestDatabase } from '../support/test-database';
import { uniqueName } from '../support/test-infra';
import { operatorToken, supervisorToken } from '../support/tokens';

const WAIT = { timeout: 30_000 };

/**
 * The supervisors' wallboard in a real headless Chromium against the response centre on real
 * Kafka and PostgreSQL: an alarm arrives and the queue shows it; an operator takes it through the
 * API and the board shows it answered, without a reload. Screenshots in test-results/screenshots.
 */
describe('web pages: the supervisors wallboard in Chromium', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let world: CentreWorld;
  let browser: Browser;
  let place: Place;

  beforeAll(async () => {
    database = await createTestDatabase('wallboard');
    centre = await startResponseCentre(database.url, { KAFKA_CONSUMER_GROUP: uniqueName('rc-wallboard') });
    world = await CentreWorld.open(centre, database.url);
    place = await world.place();
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await centre?.close();
    await database?.drop();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  it('shows a new alarm in the queue and, once an operator takes it, the answer within 60 s, live', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Script errors, refusals by the page's CSP (logged as console errors), and failed requests (the browser's favicon probe aside).
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        errors.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
        errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    await page.goto(`${centre.url}/wallboard`);
    await page.fill('#token', await supervisorToken(place.centreId));
    await page.click('#use-token');
    await page.locator('#connection.up').waitFor(WAIT);
    // A new consumer group reads the shared topics from their start, so this centre also takes in
    // earlier test files' alarms of devices it does not know, which every centre sees: count from
    // where the queue settles.
    const before = await settledQueue(page);
    expect(await page.textContent('#within-percent')).toBe('–');

    const alarmId = await world.raiseAlarm(place, 'fall.detected');
    await page.locator('#queue-open', { hasText: new RegExp(`^${before.open + 1}$`) }).waitFor(WAIT);
    expect(await page.textContent('#queue-detail')).toBe(
      `Prioritet 1: ${before.byPriority[0] + 1} · Prioritet 2: ${before.byPriority[1]} · Prioritet 3: ${before.byPriority[2]}`,
    );
    expect(await page.getAttribute('#queue-open', 'class')).toBe('bad');
    await shot(page, 'wallboard-alarm-waiting');

    const taken = await world.call('POST', `/api/alarms/${alarmId}/acknowledge`, await operatorToken(place.centreId));
    expect(taken.status).toBe(200);
    await page.locator('#queue-open', { hasText: new RegExp(`^${before.open}$`) }).waitFor(WAIT);
    await page.locator('#within-percent', { hasText: '100 %' }).waitFor(WAIT);
    expect(await page.textContent('#within-detail')).toBe('1 av 1 besvarte alarmer (mål 97,5 %)');
    if (before.open === 0) expect(await page.textContent('#oldest')).toBe('Ingen');
    // Both charts drew (Chart.js sized their canvases) and nothing was refused by the page's CSP.
    expect(
      await page.locator('#within-chart').evaluate((canvas) => (canvas as unknown as { width: number }).width),
    ).toBeGreaterThan(0);
    expect(await page.evaluate('typeof window.Chart')).toBe('function');
    await shot(page, 'wallboard-alarm-taken');
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** The queue once it has not changed for 3 s (at most 60 s): open alarms, and per priority 1-3. */
async function settledQueue(page: Page): Promise<{ open: number; byPriority: number[] }> {
  const read = async () => `${await page.textContent('#queue-open')}|${await page.textContent('#queue-detail')}`;
  let last = await read();
  let since = Date.now();
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await read();
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= 3000 && /^\d+\|/.test(now)) break;
  }
  const [open, detail] = last.split('|');
  const byPriority = [1, 2, 3].map((priority) => Number(new RegExp(`Prioritet ${priority}: (\\d+)`).exec(detail)?.[1]));
  expect(byPriority.every(Number.isInteger)).toBe(true);
  return { open: Number(open), byPriority };
}
