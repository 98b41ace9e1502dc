import type { Browser, Page } from 'playwright-core';
import webpush from 'web-push';
import { expectText, launchChromium, screenshot as shot, tabTo, WAIT, watchErrors } from '../support/browser';
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
import { universalDesignProblems, universalDesignProblemsInBothLanguages } from '../support/accessibility';
import type { RunningDevOidcProvider } from '../../infra/src/dev-oidc-provider';

/**
 * The two web pages in a real headless Chromium (Debian's, driven by playwright-core) against the
 * whole stack: a device presses its button over MQTT, the alarm appears in the operator's console
 * without a reload, the operator takes it and dispatches home care, a nurse accepts, goes, arrives
 * and completes on the phone page, the operator sees each step arrive live and resolves the alarm.
 * Both sign in through the embedded OpenID provider's login form; a nurse's sign-out ends her
 * session, and an expired console session asks for sign-in again without losing a typed note.
 * Both pages speak Norwegian bokmål by default (labels from libs/contracts' vocabulary, times in
 * Europe/Oslo even on a browser in another zone); English is chosen on the console and kept
 * across a reload. The nurse's service worker gets the new dispatch's push (delivered through the
 * DevTools protocol, as the browser's push service would: headless Chromium has none), shows the
 * notification, and her tap on it brings her to the dispatch. With home care gone, the installed
 * page still opens from the service worker's shell and shows the last dispatches it knew.
 * Screenshots (in Norwegian) of every page are left in test-results/screenshots.
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
  const vapid = webpush.generateVAPIDKeys();

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
      startHomeCare(homeCareDb.url, {
        ...phonePage.env,
        PUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
        PUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
      }),
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

  it('a device alarm appears live; the operator dispatches; the nurse accepts and completes on the phone; the operator sees it live and resolves', async () => {
    const errors: string[] = [];
    // A browser in New York: the pages must still show Oslo's time.
    const operator = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York' });
    watchErrors(operator, { errors });
    await operator.goto(`${centre.url}/console`);
    expect(await operator.getAttribute('html', 'lang')).toBe('nb');
    await expectText(operator.locator('h1'), /^Alarmkonsoll$/);
    await expectText(operator.locator('#sign-in-button'), /^Logg inn$/);
    await shot(operator, 'console-0-signed-out');
    expect(await universalDesignProblemsInBothLanguages(operator, 'console signed out')).toEqual([]);
    await signInOnPage(operator, 'anna', (login) => shot(login, 'sign-in-provider-login-form'));
    await expectText(operator.locator('#who'), /^Logget inn som Anna Operatør \(operatør\)/);
    await expectText(operator.locator('#sign-out'), /^Logg ut$/);
    await operator
      .locator('#connection')
      .filter({ hasText: /^Direkte\.$/ })
      .waitFor(WAIT);
    // (The queue may hold other tests' unplaced alarms: those go to every centre.)
    const ours = operator.locator('#queue button').filter({ hasText: device.deviceId });
    expect(await ours.count()).toBe(0);

    // The alarm arrives without a reload.
    await device.publish(contractEvent('alarm.button', 'web-press'));
    const queued = ours.first();
    await queued.waitFor(WAIT);
    await expectText(queued, /P1/);
    await expectText(queued, /Trygghetsalarm utløst/);
    await expectText(operator.locator('#announcer'), /^Ny alarm: prioritet 1, Trygghetsalarm utløst\.$/);
    const alarmId = (await queued.getAttribute('data-id')) as string;
    await shot(operator, 'console-1-new-alarm');
    expect(await universalDesignProblemsInBothLanguages(operator, 'console queue with an alarm')).toEqual([]);

    // The operator takes and dispatches the alarm by keyboard alone: Tab to it, Enter opens it.
    await tabTo(operator, `#queue button[data-id="${alarmId}"]`);
    await operator.keyboard.press('Enter');
    await operator.locator('#detail').waitFor({ state: 'visible', ...WAIT });
    expect(await universalDesignProblemsInBothLanguages(operator, 'console alarm detail')).toEqual([]);
    const opened = (await (
      await fetch(`${centre.url}/api/alarms/${alarmId}`, {
        headers: { authorization: `Bearer ${await operatorToken(centreId)}` },
      })
    ).json()) as { openedAt: string };
    await expectText(operator.locator('#facts'), new RegExp(osloDateTime(opened.openedAt).replace(/\./g, '\\.')));
    await tabTo(operator, '#acknowledge');
    await operator.keyboard.press('Enter');
    await operator.locator('#dispatch-form').waitFor({ state: 'visible', ...WAIT });
    await operator.locator(`#dispatch-team option[value="${teamId}"]`).waitFor({ state: 'attached', ...WAIT });
    expect(await universalDesignProblemsInBothLanguages(operator, 'console dispatch form')).toEqual([]);
    await tabTo(operator, '#dispatch-team');
    for (let step = 0; step < 20 && (await operator.inputValue('#dispatch-team')) !== teamId; step++)
      await operator.keyboard.press('ArrowDown');
    expect(await operator.inputValue('#dispatch-team')).toBe(teamId);
    await operator.keyboard.press('Tab');
    await operator.keyboard.type('Button pressed, no answer on the phone. Key box by the door.');
    await tabTo(operator, '#dispatch-form button[type=submit]');
    await operator.keyboard.press('Enter');
    await operator.locator('#withdraw-form').waitFor({ state: 'visible', ...WAIT });
    await shot(operator, 'console-2-dispatched');

    const nurse = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    watchErrors(nurse, { errors });
    await nurse.context().grantPermissions(['notifications'], { origin: homeCare.url });
    await nurse.goto(`${homeCare.url}/`);
    await expectText(nurse.locator('h1'), /^Hjemmetjenesten – oppdrag$/);
    await expectText(nurse.locator('#sign-in-button'), /^Logg inn$/);
    await signInOnPage(nurse, 'nina');
    await expectText(nurse.locator('#who'), /^Logget inn som Nina Sykepleier, team /);
    const accept = nurse.locator('button[id^="accept-"]').first();
    await accept.waitFor(WAIT);
    const dispatchId = (await accept.getAttribute('id'))!.slice('accept-'.length);
    await expectText(nurse.locator('#push-on'), /^Varsle meg om nye oppdrag$/);

    // The push for the new dispatch reaches her service worker: a notification that names nothing but the dispatch.
    await nurse.evaluate(() => (globalThis as any).navigator.serviceWorker.ready.then(() => undefined));
    await deliverPush(nurse, homeCare.url, JSON.stringify({ type: 'dispatch', dispatchId }));
    const worker = nurse.context().serviceWorkers()[0];
    const notification = await worker.evaluate(async () => {
      for (let tries = 0; tries < 100; tries++) {
        const [shown] = await (globalThis as any).registration.getNotifications();
        if (shown) return { title: shown.title, body: shown.body, data: shown.data };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return null;
    });
    expect(notification).toEqual({ title: 'Nytt oppdrag', body: 'Åpne for å se oppdraget.', data: { dispatchId } });
    // She taps it: the page comes forward on that dispatch.
    await nurse.evaluate(() => (globalThis as any).document.activeElement?.blur());
    await worker.evaluate(async () => {
      const scope = globalThis as any;
      const [shown] = await scope.registration.getNotifications();
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification: shown }));
    });
    await nurse.waitForFunction(
      (id) => (globalThis as any).document.activeElement?.id === `dispatch-${id}`,
      dispatchId,
      WAIT,
    );
    // Installable: Chromium finds nothing missing (manifest, icon, service worker), bar the test's incognito context.
    const { installabilityErrors } = await (
      await nurse.context().newCDPSession(nurse)
    ).send('Page.getInstallabilityErrors');
    expect(installabilityErrors.map((error) => error.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
    await expectText(nurse.locator('#active'), /Key box by the door/);
    await expectText(nurse.locator('#active h3'), /Prioritet 1 Trygghetsalarm utløst/);
    await expectText(nurse.locator('#active .status'), /^Nytt: venter på at noen godtar \(innen kl\. \d\d:\d\d\)$/);
    await shot(nurse, 'home-care-1-new-dispatch');
    expect(await universalDesignProblemsInBothLanguages(nurse, 'phone page with a dispatch')).toEqual([]);
    await accept.click();
    await nurse.locator('button[id^="en-route-"]').first().click(WAIT);
    await nurse.locator('button[id^="arrived-"]').first().click(WAIT);
    const report = nurse.locator('textarea[id^="complete-"]').first();
    await report.waitFor(WAIT);
    await shot(nurse, 'home-care-2-arrived');
    await report.fill('Found on the floor by the bed, not hurt. Helped up, tea made, daughter called.');
    await nurse.locator('button[id^="complete-"][id$="-send"]').first().click();
    await nurse.locator('#finished li').first().waitFor(WAIT);
    await expectText(nurse.locator('#finished .status'), /^Fullført av /);
    await shot(nurse, 'home-care-3-completed');

    // Every step of the nurse reaches the open console without a reload.
    for (const step of ['Oppdrag godtatt', 'Pleier på vei', 'Pleier fremme', 'Besøk fullført'])
      await expectText(operator.locator('#log'), new RegExp(step));
    await expectText(operator.locator('#log'), /helped up/i);
    await shot(operator, 'console-3-visit-completed');

    await operator.selectOption('#resolve-outcome', 'home_care_visit');
    await operator.click('#resolve-form button[type=submit]');
    await queued.waitFor({ state: 'detached', ...WAIT });
    await shot(operator, 'console-4-resolved');

    // English is one choice away, and stays chosen after a reload.
    await operator.selectOption('#language', 'en');
    await expectText(operator.locator('h1'), /^Alarm console$/);
    await operator.reload();
    await expectText(operator.locator('h1'), /^Alarm console$/);
    expect(await operator.getAttribute('html', 'lang')).toBe('en');
    await expectText(operator.locator('#sign-out'), /^Sign out$/);

    // Another phone of the team: signing out there ends that session, here and at the provider.
    const otherPhone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const other = await otherPhone.newPage();
    await other.goto(`${homeCare.url}/`);
    await signInOnPage(other, 'nina');
    await other.locator('#sign-out').waitFor({ state: 'visible', ...WAIT });
    await other.locator('#sign-out').click();
    await other.waitForURL(`${homeCare.url}/auth/signed-out`, WAIT);
    expect((await other.request.get(`${homeCare.url}/auth/session`)).status()).toBe(401);
    await other.goto(`${homeCare.url}/`);
    await other.locator('#sign-in-button').click();
    await other.locator('#password').waitFor(WAIT);
    await otherPhone.close();

    // Home care gone (no network, a dead service): the page opens from the service worker's shell
    // with the last dispatches it knew, and says how old they are.
    const failedBefore = errors.length;
    await homeCare.close();
    await nurse.reload();
    await expectText(nurse.locator('#connection'), /^Frakoblet: viser oppdragene slik de var kl\. \d\d:\d\d$/);
    await expectText(nurse.locator('#finished'), /Fullført av /);
    await shot(nurse, 'home-care-4-offline');
    expect(await universalDesignProblemsInBothLanguages(nurse, 'phone page offline shell')).toEqual([]);
    // The page's API calls to the stopping service may fail (503): they should. Anything else still counts.
    const late = errors.splice(failedBefore);
    errors.push(
      ...late.filter(
        (error) =>
          !error.startsWith(`503 GET ${homeCare.url}/api/`) && !error.startsWith(`503 GET ${homeCare.url}/auth/`),
      ),
    );

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
    // Longer than the default: the universal-design checks (axe, 200 % zoom and a Tab walk, in two
    // languages, on seven states) add about half a minute on a busy machine.
  }, 300_000);

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
    expect(await universalDesignProblems(operator, 'signed-out page (nb, en)')).toEqual([]);
    expect((await operator.request.get(`${centre.url}/auth/session`)).status()).toBe(401);
    await operator.goto(`${centre.url}/console`);
    await operator.locator('#sign-in-button').click();
    await operator.locator('#password').waitFor(WAIT);
    await context.close();
  });
});

/** Hands the service worker of the page's origin a push message, as the browser's push service would. */
async function deliverPush(page: Page, origin: string, data: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const registered = new Promise<string>((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((registration) => registration.scopeURL === `${origin}/`);
      if (ours) resolve(ours.registrationId);
    }),
  );
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registered;
  await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data });
}

/** What the console must show for a moment: Oslo's wall clock in Norwegian format (06.12.2026, 14:05:09). */
function osloDateTime(iso: string): string {
  return new Intl.DateTimeFormat('nb-NO', { timeZone: 'Europe/Oslo', dateStyle: 'short', timeStyle: 'medium' }).format(
    new Date(iso),
  );
}
