import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOT_DIR } from '../support/browser';
import { onboardFleet } from '../support/device-fleet';
import {
  RunningService,
  startHomeCare,
  startIngestor,
  startRegistry,
  startResponseCentre,
} from '../support/running-services';
import { contractEvent, SimulatedDevice } from '../support/simulated-device';
import { createTestDatabase } from '../support/test-database';
import { testInfra, uniqueName } from '../support/test-infra';
import { operatorToken, useIssuer } from '../support/tokens';
import { PageService, person, signInOnPage, startSignInProvider } from '../support/sign-in';
import type { RunningDevOidcProvider } from '../../infra/src/dev-oidc-provider';

const WAIT = { timeout: 30_000 };

/**
 * The two web pages in a real headless Chromium (Debian's, driven by playwright-core) against the
 * whole stack: a device presses its button over MQTT, the alarm appears in the operator's console
 * without a reload, the operator takes it and dispatches home care, a nurse accepts, goes, arrives
 * and completes on the phone page, the operator sees each step arrive live and resolves the alarm.
 * Both sign in through the embedded OpenID provider's login form. Then: sign-out ends the session,
 * and an expired session asks for sign-in again without losing a typed note.
 * Screenshots of every page are left in test-results/screenshots.
 */
describe('web pages: the operator console and the home-care phone page, end to end in Chromium', () => {
  const databases: { drop(): Promise<void> }[] = [];
  let services: RunningService[] = [];
  let centre: RunningService;
  let homeCare: RunningService;
  let browser: Browser;
  let device: SimulatedDevice;
  let centreId: string;
  let teamId: string;
  let provider: RunningDevOidcProvider;
  let consolePage: PageService;
  let phonePage: PageService;

  beforeAll(async () => {
    // The services trust this file's provider (bearer tokens of the file are minted with its key).
    ({
      provider,
      pages: [consolePage, phonePage],
    } = await startSignInProvider(['console', 'phone']));
    const [centreDb, registryDb, homeCareDb] = await Promise.all([
      createTestDatabase('web_centre'),
      createTestDatabase('web_registry'),
      createTestDatabase('web_home_care'),
    ]);
    databases.push(centreDb, registryDb, homeCareDb);
    const registry = await startRegistry(registryDb.url);
    services.push(registry);
    const fleet = await onboardFleet(registry.url, [uniqueName('web')]);
    centreId = fleet.centreId;
    const teams = await fleet.api.expect<{ id: string; name: string }[]>(
      200,
      'GET',
      `/api/home-care-teams?municipalityId=${fleet.municipalityId}`,
    );
    [{ id: teamId }] = teams;
    provider.setPeople([
      person('anna', {
        sub: 'operator-anna',
        name: 'Anna Operatør',
        roles: ['operator'],
        response_centre_id: centreId,
      }),
      person('nina', { name: 'Nina Sykepleier', roles: ['home-care'], home_care_team_id: teamId }),
    ]);
    let ingestor: RunningService;
    [centre, homeCare, ingestor] = await Promise.all([
      startResponseCentre(centreDb.url, consolePage.env),
      startHomeCare(homeCareDb.url, phonePage.env),
      startIngestor(),
    ]);
    services = [...services, centre, homeCare, ingestor];
    device = await SimulatedDevice.connect(testInfra().mqttUrl, fleet.devices[0].deviceId, fleet.devices[0].secret);
    // Installs Debian's chromium with apt-get when it is missing (a fresh machine).
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), device?.close()]);
    await Promise.allSettled(services.map((service) => service.close()));
    await Promise.allSettled(databases.map((database) => database.drop()));
    await provider?.stop();
    useIssuer(null);
  });

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }

  /** Fails the test on any script error of the page and any request of it that fails (the browser's own favicon probe aside). */
  function watchErrors(page: Page, errors: string[]): void {
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      // A page not yet signed in asks /auth/session and is told 401: that is how it knows.
      const notSignedIn = response.status() === 401 && response.url().endsWith('/auth/session');
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico') && !notSignedIn)
        errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
  }

  it('a device alarm appears live; the operator dispatches; the nurse accepts and completes on the phone; the operator sees it live and resolves', async () => {
    const errors: string[] = [];
    const operator = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watchErrors(operator, errors);
    await operator.goto(`${centre.url}/console`);
    await shot(operator, 'console-0-signed-out');
    await signInOnPage(operator, 'anna', (login) => shot(login, 'sign-in-provider-login-form'));
    await operator
      .locator('#connection')
      .filter({ hasText: /^Live\.$/ })
      .waitFor(WAIT);
    // (The queue may hold other tests' unplaced alarms: those go to every centre.)
    const ours = operator.locator('#queue button').filter({ hasText: device.deviceId });
    expect(await ours.count()).toBe(0);

    // The alarm arrives without a reload.
    await device.publish(contractEvent('alarm.button', 'web-press'));
    const queued = ours.first();
    await queued.waitFor(WAIT);
    await expectText(queued, /P1/);
    const alarmId = (await queued.getAttribute('data-id')) as string;
    await shot(operator, 'console-1-new-alarm');

    await queued.click();
    await operator.locator('#acknowledge').click();
    await operator.locator('#dispatch-form').waitFor({ state: 'visible', ...WAIT });
    await operator.locator(`#dispatch-team option[value="${teamId}"]`).waitFor({ state: 'attached', ...WAIT });
    await operator.selectOption('#dispatch-team', teamId);
    await operator.fill('#dispatch-instructions', 'Button pressed, no answer on the phone. Key box by the door.');
    await operator.click('#dispatch-form button[type=submit]');
    await operator.locator('#withdraw-form').waitFor({ state: 'visible', ...WAIT });
    await shot(operator, 'console-2-dispatched');

    const nurse = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    watchErrors(nurse, errors);
    await nurse.goto(`${homeCare.url}/`);
    await signInOnPage(nurse, 'nina');
    const accept = nurse.locator('button[id^="accept-"]').first();
    await accept.waitFor(WAIT);
    await expectText(nurse.locator('#active'), /Key box by the door/);
    await shot(nurse, 'home-care-1-new-dispatch');
    await accept.click();
    await nurse.locator('button[id^="en-route-"]').first().click(WAIT);
    await nurse.locator('button[id^="arrived-"]').first().click(WAIT);
    const report = nurse.locator('textarea[id^="complete-"]').first();
    await report.waitFor(WAIT);
    await shot(nurse, 'home-care-2-arrived');
    await report.fill('Found on the floor by the bed, not hurt. Helped up, tea made, daughter called.');
    await nurse.locator('button[id^="complete-"][id$="-send"]').first().click();
    await nurse.locator('#finished li').first().waitFor(WAIT);
    await shot(nurse, 'home-care-3-completed');

    // Every step of the nurse reaches the open console without a reload.
    for (const step of ['Dispatch accepted', 'Nurse on the way', 'Nurse arrived', 'Visit completed'])
      await expectText(operator.locator('#log'), new RegExp(step));
    await expectText(operator.locator('#log'), /helped up/i);
    await shot(operator, 'console-3-visit-completed');

    await operator.selectOption('#resolve-outcome', 'home_care_visit');
    await operator.click('#resolve-form button[type=submit]');
    await queued.waitFor({ state: 'detached', ...WAIT });
    await shot(operator, 'console-4-resolved');

    const detail = (await (
      await fetch(`${centre.url}/api/alarms/${alarmId}`, {
        headers: { authorization: `Bearer ${await operatorToken(centreId)}` },
      })
    ).json()) as {
      state: string;
      outcome: string;
      log: { step: string; actorId: string }[];
    };
    expect(detail).toMatchObject({ state: 'resolved', outcome: 'home_care_visit' });
    expect(detail.log.map((entry) => entry.step)).toEqual([
      'received',
      'acknowledged',
      'dispatched',
      'dispatch_accepted',
      'dispatch_en_route',
      'dispatch_arrived',
      'dispatch_completed',
      'resolved',
    ]);
    expect(detail.log.find((entry) => entry.step === 'resolved')?.actorId).toBe('operator-anna');
    expect(errors).toEqual([]);
  });

  it('an expired session asks for sign-in again and keeps the typed note; sign-out ends the session', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const operator = await context.newPage();
    await operator.goto(`${centre.url}/console`);
    await signInOnPage(operator, 'anna');
    await device.publish(contractEvent('fall.detected', 'web-fall'));
    const alarm = operator.locator('#queue button').filter({ hasText: device.deviceId }).first();
    await alarm.waitFor(WAIT);
    await alarm.click();
    const note = 'Ringte datteren, hun er på vei.';
    await operator.fill('#note-text', note);

    // The session ends while the note is typed: sending it asks for sign-in again.
    await context.clearCookies();
    await operator.click('#note-form button[type=submit]');
    await operator.locator('#sign-in-button').waitFor({ state: 'visible', ...WAIT });
    await expectText(operator.locator('#error'), /Økten er utløpt/);
    await shot(operator, 'console-5-session-expired');
    await signInOnPage(operator, 'anna');
    // Back on the console: the alarm is open again with the note as it was typed.
    await operator.locator('#detail').waitFor({ state: 'visible', ...WAIT });
    expect(await operator.locator('#note-text').inputValue()).toBe(note);
    await operator.click('#note-form button[type=submit]');
    await expectText(operator.locator('#log'), /Ringte datteren/);

    // Sign-out ends the session here and at the provider (signing in again needs the password),
    // and forgets what was typed but not sent (the next person at the screen must not see it).
    const drafts = () =>
      operator.evaluate(() =>
        Object.keys((globalThis as unknown as { sessionStorage: Record<string, string> }).sessionStorage).filter(
          (key) => key.startsWith('welfare.draft.'),
        ),
      );
    await operator.fill('#note-text', 'Et utkast');
    expect(await drafts()).toHaveLength(1);
    await operator.locator('#sign-out').click();
    await operator.waitForURL(`${centre.url}/auth/signed-out`, WAIT);
    expect(await drafts()).toEqual([]);
    expect((await operator.request.get(`${centre.url}/auth/session`)).status()).toBe(401);
    await operator.goto(`${centre.url}/console`);
    await operator.locator('#sign-in-button').click();
    await operator.locator('#password').waitFor(WAIT);
    await context.close();
  });
});

/** Waits until the element's text matches (the pages update asynchronously). */
async function expectText(locator: ReturnType<Page['locator']>, pattern: RegExp): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor(WAIT);
}
