import type { Browser, Page } from 'playwright-core';
import type { RunningDevOidcProvider } from '../../infra/src/dev-oidc-provider';
import { universalDesignProblems } from '../support/accessibility';
import { launchChromium, screenshot as shot, tabTo, WAIT, watchErrors } from '../support/browser';
import { CentreWorld, type Place } from '../support/centre-world';
import { type RunningService, startResponseCentre } from '../support/running-services';
import { type PageService, person, startSignInProvider } from '../support/sign-in';
import { createTestDatabase } from '../support/test-database';
import { uniqueName } from '../support/test-infra';
import { operatorToken, supervisorToken, useIssuer } from '../support/tokens';

/**
 * The supervisors' wallboard in a real headless Chromium against the response centre on real
 * Kafka and PostgreSQL. The supervisor signs in through the embedded OpenID provider's login form
 * (the console's session; the page holds no token); an alarm arrives and the queue shows it; an
 * operator takes it through the API and the board shows it answered, without a reload. Every
 * state is checked for universal design (axe WCAG 2.1 AA, 200 % zoom, visible keyboard focus),
 * in Norwegian and English, and so is the page saying the sign-in service is away. Machine
 * clients still read the figures with a bearer token. Screenshots in test-results/screenshots.
 */
describe('web pages: the supervisors wallboard in Chromium', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let world: CentreWorld;
  let browser: Browser;
  let place: Place;
  let provider: RunningDevOidcProvider;
  let providerRunning = false;
  let wallboardPage: PageService;

  beforeAll(async () => {
    ({
      provider,
      pages: [wallboardPage],
    } = await startSignInProvider(['wallboard']));
    providerRunning = true;
    database = await createTestDatabase('wallboard');
    centre = await startResponseCentre(database.url, {
      ...wallboardPage.env,
      KAFKA_CONSUMER_GROUP: uniqueName('rc-wallboard'),
    });
    world = await CentreWorld.open(centre, database.url);
    place = await world.place();
    provider.setPeople([
      person('sigurd', { name: 'Sigurd Vaktleder', roles: ['supervisor'], response_centre_id: place.centreId }),
    ]);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await centre?.close();
    await database?.drop();
    if (providerRunning) await provider?.stop();
    useIssuer(null);
  });

  it('shows a new alarm in the queue and, once an operator takes it, the answer within 60 s, live', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const errors = watchErrors(page, { consoleErrors: true });
    await page.goto(`${centre.url}/wallboard`);
    await page.locator('#sign-in-button').waitFor({ state: 'visible', ...WAIT });
    expect(await universalDesignProblems(page, 'wallboard signed out (nb)')).toEqual([]);
    // The supervisor signs in by keyboard alone, through the provider's login form.
    await tabTo(page, '#sign-in-button');
    await page.keyboard.press('Enter');
    await page.locator('#username').waitFor(WAIT);
    expect(await universalDesignProblems(page, 'provider login form (nb, en)')).toEqual([]);
    await tabTo(page, '#username');
    await page.keyboard.type('sigurd');
    await page.keyboard.press('Tab');
    await page.keyboard.type('secret');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${centre.url}/wallboard`, WAIT);
    await page.locator('#who', { hasText: /^Logget inn som Sigurd Vaktleder$/ }).waitFor(WAIT);
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
    expect(await universalDesignProblems(page, 'wallboard with an alarm waiting (nb)')).toEqual([]);

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
    expect(await universalDesignProblems(page, 'wallboard with data (nb)')).toEqual([]);

    // English by keyboard alone: Tab to the language picker, choose English.
    await tabTo(page, '#language');
    await page.keyboard.press('ArrowDown');
    await page.locator('#within-detail', { hasText: /^1 of 1 answered alarms \(target 97\.5 %\)$/ }).waitFor(WAIT);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('h1')).toBe('The response centre now');
    expect(await universalDesignProblems(page, 'wallboard with data (en)')).toEqual([]);
    await page.selectOption('#language', 'nb');
    await page.locator('h1', { hasText: /^Responssenteret nå$/ }).waitFor(WAIT);

    // The same figures for a machine client with a bearer token (no session).
    const figures = await fetch(`${centre.url}/api/wallboard/centres/${place.centreId}`, {
      headers: { authorization: `Bearer ${await supervisorToken(place.centreId)}` },
    });
    expect(figures.status).toBe(200);
    expect(((await figures.json()) as { today: { answered: number } }).today.answered).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
    await page.close();
    // Longer than the default: four universal-design checks (axe, 200 % zoom, a Tab walk) on a busy machine.
  }, 240_000);

  it('says so, accessibly and in both languages, when the sign-in service is away', async () => {
    await provider.stop();
    providerRunning = false;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${centre.url}/wallboard`);
    await page.locator('#sign-in-button').click();
    await page.locator('h1', { hasText: /^Innlogging er ikke tilgjengelig$/ }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/auth/sign-in');
    expect(await page.locator('[lang="en"]').textContent()).toMatch(/^The sign-in service cannot be reached/);
    await shot(page, 'sign-in-provider-away');
    expect(await universalDesignProblems(page, 'provider away (nb, en)')).toEqual([]);
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
