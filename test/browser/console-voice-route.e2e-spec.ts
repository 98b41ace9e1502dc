import type { Browser, Page } from 'playwright-core';
import { Pool } from 'pg';
import type { RunningDevOidcProvider } from '../../infra/src/dev-oidc-provider';
import { wcagViolations } from '../support/accessibility';
import { expectText, launchChromium, screenshot, WAIT, watchErrors } from '../support/browser';
import { onboard } from '../support/device-fleet';
import { eventually } from '../support/eventually';
import { RegistryApi } from '../support/registry-api';
import {
  type RunningService,
  startRegistry,
  startResponseCentre,
  startScaipGateway,
} from '../support/running-services';
import { freePort, sendAsUnit } from '../support/scaip/sipp-unit';
import { type PageService, person, signInOnPage, startSignInProvider } from '../support/sign-in';
import { createTestDatabase } from '../support/test-database';
import { uniqueName } from '../support/test-infra';
import { useIssuer } from '../support/tokens';

const GATEWAY_SECRET = 'gateway-secret-for-browser-tests';

/** A unit's button press (Essence's shape), with the voice route (`crd`) it announces, or none. */
const press = (cid: string, crd: string | null) =>
  `<mrq><ref>00001883</ref><cha>0</cha><mty>ME</mty><cid>${cid}</cid><dty>02</dty><did>00</did>${crd === null ? '' : `<crd>${crd}</crd>`}<stc>010</stc></mrq>`;

/**
 * The voice route of a SCAIP unit in the operator console, in a real headless Chromium against
 * the whole SCAIP path: units registered and onboarded at the registry, SIPp plays each unit's
 * button press (digest-signed) against the SCAIP gateway, the gateway puts it on the real Kafka,
 * the response centre opens the alarm, and the operator (signed in at the embedded OpenID
 * provider) opens it in the console. A GSM number is a tel: link, a SIP URI a link, a unit that
 * says it has no voice says so, and one that names no route shows no voice line at all.
 */
describe('web pages: a SCAIP unit’s voice route in the operator console, in Chromium', () => {
  const databases: { drop(): Promise<void> }[] = [];
  let registry: RunningService;
  let centre: RunningService;
  let gateway: RunningService;
  let browser: Browser;
  let provider: RunningDevOidcProvider;
  let consolePage: PageService;
  let registryApi: RegistryApi;
  let municipalityId: string;
  let sipPort: number;
  let centreSql: Pool;
  const cidBase = String(Date.now()).slice(-9);
  let units = 0;

  beforeAll(async () => {
    ({
      provider,
      pages: [consolePage],
    } = await startSignInProvider(['console']));
    const [centreDb, registryDb] = await Promise.all([
      createTestDatabase('voice_centre'),
      createTestDatabase('voice_registry'),
    ]);
    databases.push(centreDb, registryDb);
    registry = await startRegistry(registryDb.url, { SCAIP_GATEWAY_SECRET: GATEWAY_SECRET });
    registryApi = new RegistryApi(registry.url);
    const setup = await registryApi.setup();
    municipalityId = setup.municipalityId;
    provider.setPeople([
      person('anna', { name: 'Anna Operatør', roles: ['operator'], response_centre_id: setup.centreId }),
    ]);
    sipPort = await freePort();
    [centre, gateway] = await Promise.all([
      startResponseCentre(centreDb.url, consolePage.env),
      startScaipGateway({ sipPort, registryUrl: registry.url, gatewaySecret: GATEWAY_SECRET }),
    ]);
    centreSql = new Pool({ connectionString: centreDb.url, max: 2 });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await centreSql?.end();
    await Promise.allSettled([gateway?.close(), centre?.close(), registry?.close()]);
    await Promise.allSettled(databases.map((database) => database.drop()));
    await provider?.stop();
    useIssuer(null);
  });

  /** A SCAIP unit onboarded to a resident of its own (care alarms correlate per resident). */
  async function registerUnit(): Promise<{ cid: string; deviceId: string; secret: string }> {
    const cid = `${cidBase}${units++}`;
    const deviceId = uniqueName('scaip-voice');
    await registryApi.expect(201, 'POST', '/api/devices', {
      id: deviceId,
      serialNumber: `SN-${deviceId}`,
      kind: 'safety_alarm',
      scaipControllerId: cid,
      heartbeatIntervalSeconds: 60,
    });
    const resident = await registryApi.expect<{ id: string }>(201, 'POST', '/api/residents', {
      name: `Beboer ${cid}`,
      address: 'Storgata 1, 3015 Drammen',
      municipalityId,
    });
    const { secret } = await onboard(registryApi, deviceId, resident.id);
    return { cid, deviceId, secret };
  }

  /**
   * Units that each press their button, announcing the voice route given (null: none); their
   * device ids. They press once the registry's records of them are on Kafka (the centre's view
   * has them): the gateway refuses a unit the registry has not published yet.
   */
  async function unitsPress(routes: (string | null)[]): Promise<string[]> {
    const registered = [];
    while (registered.length < routes.length) registered.push(await registerUnit());
    const deviceIds = registered.map((unit) => unit.deviceId);
    await eventually(async () => {
      const { rows } = await centreSql.query('SELECT device_id FROM registry_devices WHERE device_id = ANY($1)', [
        deviceIds,
      ]);
      expect(rows).toHaveLength(deviceIds.length);
    }, 60_000);
    for (const [k, { cid, secret }] of registered.entries()) {
      const sent = await sendAsUnit(sipPort, {
        user: cid,
        auth: { user: cid, password: secret },
        expectSnu: 0,
        body: press(cid, routes[k]),
      });
      expect(sent.code === 0 ? 'receipt snu 0' : sent.output).toBe('receipt snu 0');
    }
    return deviceIds;
  }

  /** Opens the device's alarm from the console's queue; the detail's voice line. */
  async function openAlarmOf(page: Page, deviceId: string) {
    const queued = page.locator('#queue button').filter({ hasText: deviceId }).first();
    await queued.waitFor(WAIT);
    await queued.click();
    await expectText(page.locator('#facts dd'), new RegExp(`^${deviceId}$`));
    return page.locator('#facts dd[data-fact="voice"]');
  }

  it('shows a GSM number as a tel: link, a SIP URI as a link, and says when a unit has no voice', async () => {
    const [gsm, sip, noVoice, gsmWithoutNumber, noRoute] = await unitsPress([
      'gsm:+47 912 34 567',
      'sip:alarm-unit-17@voice.kommune.example',
      'no-voice:',
      'gsm:',
      null,
    ]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page, { consoleErrors: true });
    await page.goto(`${centre.url}/console`);
    await signInOnPage(page, 'anna');
    await page
      .locator('#connection')
      .filter({ hasText: /^Direkte\.$/ })
      .waitFor(WAIT);

    // GSM: the number, as a link that calls it.
    let voice = await openAlarmOf(page, gsm);
    await expectText(page.locator('#facts'), /Taleforbindelse/);
    const call = voice.getByRole('link', { name: '+4791234567', exact: true });
    await call.waitFor(WAIT);
    expect(await call.getAttribute('href')).toBe('tel:+4791234567');
    await screenshot(page, 'console-voice-route-gsm');
    expect(await wcagViolations(page, 'console detail with a tel: voice route (nb)')).toEqual([]);

    // SIP: the URI, as a link to it.
    voice = await openAlarmOf(page, sip);
    const sipLink = voice.getByRole('link', { name: 'sip:alarm-unit-17@voice.kommune.example', exact: true });
    await sipLink.waitFor(WAIT);
    expect(await sipLink.getAttribute('href')).toBe('sip:alarm-unit-17@voice.kommune.example');

    // A unit that says it has no voice, and one on GSM that gave no number: said, no link.
    voice = await openAlarmOf(page, noVoice);
    await expectText(voice, /^ingen tale$/);
    expect(await voice.locator('a').count()).toBe(0);
    voice = await openAlarmOf(page, gsmWithoutNumber);
    await expectText(voice, /^GSM, uten nummer$/);
    expect(await voice.locator('a').count()).toBe(0);

    // A unit that names no route: no voice line (as for an MQTT device).
    await openAlarmOf(page, noRoute);
    expect(await page.locator('#facts dd[data-fact="voice"]').count()).toBe(0);
    expect(await page.locator('#facts dt', { hasText: 'Taleforbindelse' }).count()).toBe(0);

    // In English too.
    await page.selectOption('#language', 'en');
    voice = await openAlarmOf(page, noVoice);
    await expectText(voice, /^no voice$/);
    await expectText(page.locator('#facts'), /Voice route/);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
