import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { expectText, launchChromium, screenshot as shot, WAIT, watchErrors } from '../support/browser';
import { keyboardStops, lossAtDoubleZoom, wcagViolations } from '../support/accessibility';
import { RegistryApi } from '../support/registry-api';
import { RunningService, startIngestor, startRegistry, startResponseCentre } from '../support/running-services';
import { contractEvent, SimulatedDevice } from '../support/simulated-device';
import { createTestDatabase } from '../support/test-database';
import { testInfra, uniqueName } from '../support/test-infra';
import { useIssuer } from '../support/tokens';
import { PageService, person, signInOnPage, startSignInProvider } from '../support/sign-in';
import type { RunningDevOidcProvider } from '../../infra/src/dev-oidc-provider';

/**
 * The municipality administrators' pages in a real headless Chromium against the whole stack
 * (registry, response centre, ingestor; real Kafka, PostgreSQL and MQTT). The administrator
 * signs in at the embedded OpenID provider's form, creates a resident with two contacts (a
 * refused phone number shows beside its field, nothing typed is lost; the contacts are reordered
 * with the keyboard), registers a safety alarm and a GPS tracker and onboards both (the secret
 * shown once, with a copy button and a QR code), and draws a safe zone by dragging on the map
 * (no map tiles reachable: the map still draws). The device, with the secret read off the page,
 * presses its button: the alarm appears in the operator console with the resident's address and
 * contacts. The tracker leaves the drawn zone: its alarm appears too. A CSV of 500 rows, 3 of
 * them bad, shows its progress and the 3 errors, and the credentials file is offered once.
 * axe-core finds no WCAG 2.1 AA violation on any page and state, in Norwegian and in English;
 * every keyboard stop shows its focus; nothing is lost at 200 % zoom.
 */
describe('admin pages: municipality administrators onboard residents and devices in the browser', () => {
  const databases: { drop(): Promise<void> }[] = [];
  let services: RunningService[] = [];
  let registry: RunningService;
  let centre: RunningService;
  let browser: Browser;
  let provider: RunningDevOidcProvider;
  let consolePage: PageService;
  let adminPage: PageService;
  let municipalityNumber: string;
  let municipalityId: string;
  const devices: SimulatedDevice[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    ({
      provider,
      pages: [consolePage, adminPage],
    } = await startSignInProvider(['console', 'admin']));
    const [centreDb, registryDb] = await Promise.all([
      createTestDatabase('admin_centre'),
      createTestDatabase('admin_registry'),
    ]);
    databases.push(centreDb, registryDb);
    // No tile server can be reached (as offline): the map must still be usable.
    registry = await startRegistry(registryDb.url, {
      ...adminPage.env,
      ADMIN_MAP_TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png',
    });
    services.push(registry);
    const setup = await new RegistryApi(registry.url).setup();
    municipalityNumber = setup.municipalityNumber;
    municipalityId = setup.municipalityId;
    provider.setPeople([
      person('mari', {
        name: 'Mari Kommuneadmin',
        roles: ['municipality-admin'],
        municipality_id: setup.municipalityId,
      }),
      person('anna', { name: 'Anna Operatør', roles: ['operator'], response_centre_id: setup.centreId }),
    ]);
    let ingestor: RunningService;
    [centre, ingestor] = await Promise.all([startResponseCentre(centreDb.url, consolePage.env), startIngestor()]);
    services = [...services, centre, ingestor];
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), ...devices.map((device) => device.close())]);
    await Promise.allSettled(services.map((service) => service.close()));
    await Promise.allSettled(databases.map((database) => database.drop()));
    await provider?.stop();
    useIssuer(null);
  });

  /** axe on the page as it is, in Norwegian and then in English (chosen in the page), back to Norwegian. */
  async function accessible(page: Page, state: string): Promise<void> {
    violations.push(...(await wcagViolations(page, `${state} (nb)`)));
    await page.selectOption('#language', 'en');
    await page.locator('html[lang="en"]').waitFor(WAIT);
    violations.push(...(await wcagViolations(page, `${state} (en)`)));
    await page.selectOption('#language', 'nb');
    await page.locator('html[lang="nb"]').waitFor(WAIT);
  }

  /** Every stop of the keyboard shows its focus, and nothing is lost at 200 % zoom. */
  async function keyboardAndZoom(page: Page, state: string, atLeast: number): Promise<void> {
    // The walk starts at the top of the page: a click on the header, on nothing that takes focus,
    // moves the browser's starting point for Tab there (a blur alone leaves it where focus was).
    await page.mouse.click(2, 2);
    const stops = await keyboardStops(page, 200);
    expect(stops.length).toBeGreaterThanOrEqual(atLeast);
    expect({ state, hidden: stops.filter((stop) => !stop.visibleFocus) }).toEqual({ state, hidden: [] });
    expect({ state, loss: await lossAtDoubleZoom(page) }).toEqual({ state, loss: [] });
  }

  it('signs in, creates a resident with two contacts, onboards a safety alarm and a tracker, draws a safe zone; the button press and the zone leave reach the console', async () => {
    const errors: string[] = [];
    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The refusals the test provokes on purpose (a bad phone number, a device id taken, a bad limit).
    watchErrors(admin, { errors, expected: [/\/api\/residents$/, /\/api\/devices$/, /alarm-rule-defaults$/] });
    await admin.goto(`${registry.url}/admin`);
    expect(await admin.getAttribute('html', 'lang')).toBe('nb');
    await expectText(admin.locator('h1'), /^Kommuneadministrasjon$/);
    await expectText(admin.locator('#sign-in-button'), /^Logg inn$/);
    await accessible(admin, 'signed out');
    await shot(admin, 'admin-0-signed-out');
    await signInOnPage(admin, 'mari');
    await expectText(admin.locator('#who'), /^Logget inn som Mari Kommuneadmin \(kommuneadministrator\)$/);
    await admin.locator('#residents-heading').waitFor(WAIT);
    await accessible(admin, 'residents, none yet');

    // A new resident: a refused phone number shows beside its field; nothing typed is lost.
    await admin.click('#new-resident');
    await admin.locator('#resident-form').waitFor(WAIT);
    await admin.fill('#resident-name', 'Kari Nordmann');
    await admin.fill('#resident-address', 'Storgata 1, 3015 Drammen');
    await admin.fill('#resident-key-box', 'Til venstre for inngangsdøren');
    await admin.fill('#resident-door-code-hint', 'Datterens fødselsår');
    await admin.fill('#resident-access-note', 'Hund i gangen, snill.');
    await admin.fill('#resident-care-note', 'Hjertesvikt; bruker rullator.');
    await admin.click('#add-contact');
    await admin.fill('#contact-0-name', 'Ola Nordmann');
    await admin.fill('#contact-0-phone', '+47 900 00 001');
    await admin.fill('#contact-0-relation', 'sønn');
    await admin.click('#add-contact');
    await admin.fill('#contact-1-name', 'Eva Nordmann');
    await admin.fill('#contact-1-phone', 'ring meg');
    await admin.fill('#contact-1-relation', 'datter');
    await admin.click('#resident-save');
    await expectText(admin.locator('#contact-1-phone-error'), /phone must be a phone number/);
    expect(await admin.getAttribute('#contact-1-phone', 'aria-invalid')).toBe('true');
    expect(await admin.inputValue('#resident-name')).toBe('Kari Nordmann');
    expect(await admin.inputValue('#resident-care-note')).toBe('Hjertesvikt; bruker rullator.');
    await accessible(admin, 'new resident, phone refused');
    expect(await admin.inputValue('#contact-1-phone')).toBe('ring meg');
    await shot(admin, 'admin-1-resident-refused-phone');
    await admin.fill('#contact-1-phone', '+47 900 00 002');
    // The daughter is called first: moved up with the keyboard alone.
    await admin.focus('#contact-1-up');
    await admin.keyboard.press('Enter');
    expect(await admin.inputValue('#contact-0-name')).toBe('Eva Nordmann');
    expect(await admin.inputValue('#contact-1-name')).toBe('Ola Nordmann');
    await admin.click('#resident-save');
    await admin.waitForURL(/#resident\/[0-9a-f-]{36}$/, WAIT);
    const residentId = admin.url().split('/').pop()!;
    await expectText(admin.locator('#resident-heading'), /^Kari Nordmann$/);
    const stored = await new RegistryApi(registry.url)
      .inMunicipality(municipalityId)
      .expect(200, 'GET', `/api/residents/${residentId}`);
    expect(stored.contacts).toEqual([
      { name: 'Eva Nordmann', phone: '+47 900 00 002', relation: 'datter' },
      { name: 'Ola Nordmann', phone: '+47 900 00 001', relation: 'sønn' },
    ]);

    // Devices: a safety alarm and a GPS tracker in stock; a device id taken shows beside the id.
    const alarmId = uniqueName('alarm');
    const trackerId = uniqueName('tracker');
    await admin.click('#nav a[data-view="devices"]');
    await admin.locator('#device-form').waitFor(WAIT);
    await accessible(admin, 'devices, none');
    for (const [id, kind] of [
      [alarmId, 'safety_alarm'],
      [trackerId, 'gps_tracker'],
    ]) {
      await admin.fill('#device-id', id);
      await admin.fill('#device-serial', `SN-${id}`);
      await admin.selectOption('#device-kind', kind);
      await admin.click('#device-create');
      await admin.locator(`#devices-in_stock code`, { hasText: id }).waitFor(WAIT);
    }
    await admin.fill('#device-id', alarmId);
    await admin.fill('#device-serial', 'SN-other');
    await admin.click('#device-create');
    await expectText(admin.locator('#device-id-error'), /a device with this id exists/);
    expect(await admin.inputValue('#device-serial')).toBe('SN-other');
    await accessible(admin, 'devices, id taken');
    await shot(admin, 'admin-2-devices');

    // Onboarding: the secret this once, a copy button and a QR code.
    const onboard = async (deviceId: string): Promise<string> => {
      await admin.goto(`${registry.url}/admin#resident/${residentId}`);
      await admin.locator('#onboard-device').waitFor(WAIT);
      await admin.selectOption('#onboard-device', deviceId);
      await admin.click('#onboard-button');
      await expectText(admin.locator('#secret-heading'), new RegExp(`Passordet til ${deviceId}`));
      expect(await admin.locator('#secret-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(await admin.textContent('#secret-device')).toBe(deviceId);
      return (await admin.textContent('#secret-value'))!;
    };
    const alarmSecret = await onboard(alarmId);
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: registry.url });
    await admin.click('#copy-secret');
    await expectText(admin.locator('#copy-status'), /^Kopiert\.$/);
    expect(await admin.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(alarmSecret);
    await accessible(admin, 'resident, secret shown');
    await shot(admin, 'admin-3-secret-once');
    await admin.click('#secret-done');
    expect(await admin.locator('#secret-value').count()).toBe(0);
    const trackerSecret = await onboard(trackerId);
    await admin.click('#secret-done');

    // A safe zone drawn by dragging on the map (no tiles: the map still draws the zone).
    await admin.click('#draw-circle');
    const box = (await admin.locator('#zone-map').boundingBox())!;
    const middle = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    await admin.mouse.move(middle.x, middle.y);
    await admin.mouse.down();
    await admin.mouse.move(middle.x + 60, middle.y, { steps: 6 });
    await admin.mouse.move(middle.x + 120, middle.y, { steps: 6 });
    await admin.mouse.up();
    await admin.locator('#zone-0-radius').waitFor(WAIT);
    await admin.fill('#zone-0-name', 'Hjemme og hagen');
    const radius = Number(await admin.inputValue('#zone-0-radius'));
    expect(radius).toBeGreaterThan(100);
    expect(await admin.locator('#zone-map path.zone').count()).toBe(1);
    await admin.selectOption('#door-choice', 'own');
    await admin.fill('#door-minutes', '20');
    await admin.click('#rules-save');
    await expectText(admin.locator('#effective-zones'), /^Hjemme og hagen$/);
    await expectText(admin.locator('#effective-door'), /^20 min$/);
    const zone = {
      lat: Number(await admin.inputValue('#zone-0-lat')),
      lon: Number(await admin.inputValue('#zone-0-lon')),
    };
    await accessible(admin, 'resident, zone drawn and saved');
    await shot(admin, 'admin-4-safe-zone');
    await keyboardAndZoom(admin, 'resident page', 30);

    // The device presses its button with the secret the page showed.
    const alarm = await SimulatedDevice.connect(testInfra().mqttUrl, alarmId, alarmSecret);
    devices.push(alarm);
    await alarm.publish(contractEvent('alarm.button', uniqueName('press')));
    const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const operator = await operatorContext.newPage();
    await operator.goto(`${centre.url}/console`);
    await signInOnPage(operator, 'anna');
    const pressed = operator.locator('#queue button').filter({ hasText: alarmId }).first();
    await pressed.waitFor(WAIT);
    await pressed.click();
    await expectText(operator.locator('#resident'), /Storgata 1, 3015 Drammen/);
    await expectText(operator.locator('#resident'), /Eva Nordmann/);
    await expectText(operator.locator('#resident'), /Ola Nordmann/);
    const contactsInOrder = await operator.locator('#resident .contacts li').allTextContents();
    expect(contactsInOrder[0]).toMatch(/Eva Nordmann/);
    await shot(operator, 'admin-5-console-alarm-from-onboarded-device');

    // The tracker leaves the drawn zone: its alarm opens.
    const tracker = await SimulatedDevice.connect(testInfra().mqttUrl, trackerId, trackerSecret);
    devices.push(tracker);
    await tracker.publish(contractEvent('gps.position', uniqueName('home'), { ...zone, accuracy: 5 }));
    await tracker.publish(
      contractEvent('gps.position', uniqueName('away'), { lat: zone.lat + 0.05, lon: zone.lon, accuracy: 5 }),
    );
    const left = operator.locator('#queue button').filter({ hasText: trackerId }).first();
    await left.waitFor(WAIT);
    await expectText(left, /Utenfor trygg sone/);

    // The access log shows who read the resident.
    await admin.goto(`${registry.url}/admin#resident/${residentId}`);
    await expectText(admin.locator('#access-log'), /Mari Kommuneadmin/);
    await expectText(admin.locator('#access-log'), /Leste beboeren/);

    // Rotate and retire ask first, naming the resident.
    await admin.goto(`${registry.url}/admin#devices`);
    await admin.click(`#retire-${trackerId}`);
    await expectText(admin.locator('#device-confirm-text'), new RegExp(`Utrangere ${trackerId} hos Kari Nordmann`));
    await accessible(admin, 'devices, confirm retire');
    await admin.click('#device-confirm-yes');
    await admin.locator('#devices-retired code', { hasText: trackerId }).waitFor(WAIT);
    await admin.click(`#rotate-${alarmId}`);
    await expectText(
      admin.locator('#device-confirm-text'),
      new RegExp(`Lage nytt passord for ${alarmId} hos Kari Nordmann`),
    );
    await admin.click('#device-confirm-yes');
    await admin.locator('#secret-value').waitFor(WAIT);
    expect(await admin.textContent('#secret-value')).not.toBe(alarmSecret);
    await admin.click('#secret-done');
    await keyboardAndZoom(admin, 'devices page', 10);

    // Deleting is refused while devices belong to the resident, and says what deletion does.
    await admin.goto(`${registry.url}/admin#resident/${residentId}`);
    await admin.click('#delete-resident');
    await expectText(
      admin.locator('#delete-confirm-text'),
      /Slette Kari Nordmann, Storgata 1, 3015 Drammen, for godt\?/,
    );
    await accessible(admin, 'resident, confirm delete');

    // The residents list: search and paging.
    await admin.goto(`${registry.url}/admin#residents`);
    await admin.fill('#resident-search', 'storgata');
    await admin.click('.search button');
    await expectText(admin.locator('#residents-table'), /Kari Nordmann/);
    await accessible(admin, 'residents, searched');
    await keyboardAndZoom(admin, 'residents page', 8);

    // The municipality's defaults: a refused limit shows beside it.
    await admin.click('#nav a[data-view="rules"]');
    await admin.locator('#defaults-form').waitFor(WAIT);
    await admin.selectOption('#defaults-door-choice', 'on');
    await admin.fill('#defaults-door-minutes', '0');
    await admin.click('#defaults-save');
    await expectText(admin.locator('#defaults-door-minutes-error'), /doorOpenLimitMinutes must not be less than 1/);
    await accessible(admin, 'defaults, refused');
    await admin.fill('#defaults-door-minutes', '30');
    await admin.click('#defaults-save');
    await admin.locator('#defaults-door-minutes-error').waitFor({ state: 'hidden', ...WAIT });

    // Home-care teams.
    await admin.click('#nav a[data-view="teams"]');
    await admin.fill('#team-name', 'Hjemmetjenesten Bragernes');
    await admin.click('#team-create');
    await expectText(admin.locator('#teams'), /Hjemmetjenesten Bragernes/);
    await accessible(admin, 'teams');
    await keyboardAndZoom(admin, 'teams page', 6);
    await operatorContext.close();
    expect(errors).toEqual([]);
  }, 400_000);

  it('imports 500 rows from CSV in the page: live progress, the 3 bad rows as a table, the credentials file once', async () => {
    const errors: string[] = [];
    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watchErrors(admin, { errors });
    // A link to a view, followed signed out: the provider sends back to /admin, and the page opens that view.
    await admin.goto(`${registry.url}/admin#import`);
    await signInOnPage(admin, 'mari');
    await admin.locator('#import-form').waitFor(WAIT);
    await accessible(admin, 'import, empty');
    const header =
      'municipality_number,resident_name,address,contact1_name,contact1_phone,device_id,serial_number,device_kind';
    const run = uniqueName('csv');
    const bad = new Map([
      [100, 'device_kind'],
      [250, 'phone'],
      [400, 'address'],
    ]);
    const rows = Array.from({ length: 500 }, (_, i) => {
      const n = i + 1;
      const fault = bad.get(n);
      return [
        municipalityNumber,
        `Beboer ${n}`,
        fault === 'address' ? '' : `"Importveien ${n}, 3015 Drammen"`,
        `Kontakt ${n}`,
        fault === 'phone' ? 'no phone' : `+47 400 ${String(n).padStart(5, '0')}`,
        `${run}-${n}`,
        `SN-${run}-${n}`,
        fault === 'device_kind' ? 'toaster' : 'safety_alarm',
      ].join(',');
    });
    await admin.setInputFiles('#import-file', {
      name: 'beboere.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from([header, ...rows].join('\n')),
    });
    await admin.selectOption('#import-mode', 'skip-bad-rows');
    await admin.click('#import-start');
    // Progress shows while rows are applied: some value between none and all is seen.
    const seen = new Set<number>();
    for (let tries = 0; tries < 12_000; tries++) {
      const value = await admin.evaluate(() => {
        const bar = (globalThis as any).document.getElementById('import-progress');
        return bar ? Number(bar.value) : -1;
      });
      if (value >= 0) seen.add(value);
      if (await admin.locator('#import-errors, #import-progress-box .form-error').count()) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await admin
      .locator('#import-progress-text')
      .filter({ hasText: /^Ferdig: 497 av 500 rader importert, 3 med feil\.$/ })
      .waitFor({ timeout: 280_000 })
      .catch(async (error: unknown) => {
        await shot(admin, 'admin-6-import-failed');
        throw error;
      });
    expect([...seen].some((value) => value > 0 && value < 497)).toBe(true);
    const errorRows = await admin.locator('#import-errors tbody tr').allTextContents();
    expect(errorRows).toHaveLength(3);
    expect(errorRows.map((row) => Number(/^\d+/.exec(row)![0]))).toEqual([101, 251, 401]);
    await accessible(admin, 'import, done with errors');
    await shot(admin, 'admin-6-import');
    await keyboardAndZoom(admin, 'import page', 5);

    const [download] = await Promise.all([admin.waitForEvent('download'), admin.click('#credentials-download')]);
    const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('line,device_id,mqtt_username,mqtt_password,resident_id');
    expect(lines).toHaveLength(498);
    await admin.locator('#credentials-download').waitFor({ state: 'detached', ...WAIT });
    expect(errors).toEqual([]);
  }, 600_000);

  it('has no WCAG 2.1 AA violations on any page and state, in Norwegian and in English', async () => {
    expect(violations).toEqual([]);
  });
});
