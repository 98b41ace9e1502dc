import { readFileSync } from 'node:fs';
import { DEVICE_EVENT_TOPICS, KafkaTopics } from '@welfare/contracts';
import { onboard } from '../../../test/support/device-fleet';
import { KafkaTap, TappedRecord } from '../../../test/support/kafka-tap';
import { RegistryApi } from '../../../test/support/registry-api';
import { RunningService, startRegistry, startScaipGateway } from '../../../test/support/running-services';
import { createTestDatabase } from '../../../test/support/test-database';
import { freePort, sendAsUnit, sendRawUdp } from '../../../test/support/scaip/sipp-unit';
import { selfSignedCertificate, sendOverTls } from '../../../test/support/scaip/tls-unit';
import { uniqueName } from '../../../test/support/test-infra';

const GATEWAY_SECRET = 'gateway-secret-for-tests-0123';

/** "passed", or SIPp's output and errors, so a failure shows what SIPp saw. */
const verdict = (result: { code: number; output: string }) => (result.code === 0 ? 'passed' : result.output);

/**
 * The gateway against the real Kafka, with SIPp playing four vendors' units (bodies shaped like
 * their public captures, quirks included) and hostile senders. The promise under test: the
 * receipt with snu 0 comes only once Kafka has the event; bad input is refused with a reason and
 * dead-lettered, and the gateway keeps running.
 */
describe('SCAIP gateway: SIP to Kafka', () => {
  let gateway: RunningService;
  let sipPort: number;
  let tlsPort: number;
  let certificate: { certFile: string; keyFile: string };
  let events: KafkaTap;
  let deadLetters: KafkaTap;
  let registry: RunningService;
  let database: { url: string; drop(): Promise<void> };
  const run = uniqueName('scaip')
    .replace(/[^0-9]/g, '')
    .slice(-6)
    .padStart(6, '1');
  const cid = (n: number) => `${run}${n}`;
  const units = { essence: cid(1), possum: cid(2), telealarm: cid(3), climax: cid(4), retired: cid(5) };

  const secrets = new Map<string, string>();
  const devices = new Map<string, string>();
  const deviceOf = (unit: string) => devices.get(unit)!;
  /** The unit's digest credentials: username = controller id, password = the secret the registry issued. */
  const authOf = (unit: string) => ({ user: unit, password: secrets.get(unit)! });

  beforeAll(async () => {
    // The units are registered and onboarded at the real registry, which publishes them on
    // registry.devices.v1 and keeps their digest HA1 for the gateway.
    database = await createTestDatabase('scaip_gateway');
    registry = await startRegistry(database.url, { SCAIP_GATEWAY_SECRET: GATEWAY_SECRET });
    const api = new RegistryApi(registry.url);
    const { municipalityId } = await api.setup();
    const resident = await api.expect(201, 'POST', '/api/residents', {
      name: 'Unit Tester',
      address: 'Storgata 1',
      municipalityId,
    });
    for (const unit of Object.values(units)) {
      const id = uniqueName('scaip');
      await api.expect(201, 'POST', '/api/devices', {
        id,
        serialNumber: `SN-${id}`,
        kind: 'safety_alarm',
        scaipControllerId: unit,
      });
      devices.set(unit, id);
      secrets.set(unit, (await onboard(api, id, resident.id)).secret);
    }
    await api.expect(200, 'POST', `/api/devices/${deviceOf(units.retired)}/retire`);
    [events, deadLetters] = await Promise.all([
      KafkaTap.open(DEVICE_EVENT_TOPICS),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter),
    ]);
    sipPort = await freePort();
    tlsPort = await freePort();
    certificate = selfSignedCertificate();
    gateway = await startScaipGateway({
      sipPort,
      registryUrl: registry.url,
      gatewaySecret: GATEWAY_SECRET,
      env: {
        SIP_TLS_PORT: String(tlsPort),
        SIP_TLS_CERT_FILE: certificate.certFile,
        SIP_TLS_KEY_FILE: certificate.keyFile,
        SCAIP_VOICE_CALL_NUMBER: '+4722334455',
        SIP_FLOOD_REQUESTS_PER_MINUTE: '60',
      },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([events?.close(), deadLetters?.close()]);
    await gateway?.close();
    await registry?.close();
    await database?.drop();
  });

  const eventsOf = (unit: string) => events.records.filter((record) => record.key === deviceOf(unit));
  const event = (record: TappedRecord) =>
    record.value.event as { id: string; type: string; ref?: string; scaip?: Record<string, string> };

  it("takes four vendors' units, quirks and all, over UDP and TCP, and answers snu 0 after Kafka has the event", async () => {
    const sent = await Promise.all([
      // Essence: 8-hex refs, zero-padded 3-digit stc, did 00, a GSM voice route.
      sendAsUnit(sipPort, {
        user: units.essence,
        auth: authOf(units.essence),
        expectSnu: 0,
        body: `<mrq><ref>00001883</ref><cha>0</cha><mty>ME</mty><cid>${units.essence}</cid><dty>02</dty><did>00</did><crd>gsm:+4791234567</crd><stc>010</stc></mrq>`,
      }),
      // Possum: no mty, unpadded numbers; heartbeats with four tags.
      sendAsUnit(sipPort, {
        user: units.possum,
        auth: authOf(units.possum),
        expectSnu: 0,
        transport: 't1',
        body: `<mrq><ref>1193308443</ref><cid>${units.possum}</cid><dty>3</dty><stc>10</stc><crd>gsm:</crd></mrq>`,
      }),
      // TeleAlarm: 16-character refs, four-digit codes.
      sendAsUnit(sipPort, {
        user: units.telealarm,
        auth: authOf(units.telealarm),
        expectSnu: 0,
        body: `<mrq><ref>yhexGeV5E49zglfi</ref><cid>${units.telealarm}</cid><dty>0004</dty><mty>ME</mty><stc>0010</stc><lco>002</lco><crd>gsm:</crd><cha>0</cha></mrq>`,
      }),
      // Climax: an XML declaration and a leading space in cid.
      sendAsUnit(sipPort, {
        user: units.climax,
        auth: authOf(units.climax),
        expectSnu: 0,
        body: `<?xml version="1.0" encoding="UTF-8"?><mrq><ref>00020486</ref><cha>0</cha><mty>ME</mty><cid> ${units.climax}</cid><dty>02</dty><did>00</did><crd>no-voice:</crd><stc>10</stc></mrq>`,
      }),
    ]);
    for (const result of sent) expect(verdict(result)).toBe('passed');
    // The receipt came after Kafka's ack: each alarm is on the alarm lane (the tap reads it a moment later).
    for (const unit of [units.essence, units.possum, units.telealarm, units.climax]) {
      await events.waitFor((record) => record.key === deviceOf(unit) && record.topic === KafkaTopics.deviceAlarms);
      const alarms = eventsOf(unit).filter((record) => record.topic === KafkaTopics.deviceAlarms);
      expect(alarms.map((record) => event(record).type)).toEqual(['alarm.button']);
    }
    expect(event(eventsOf(units.essence)[0])).toMatchObject({ scaip: { crd: 'gsm:+4791234567', stc: '010' } });
  });

  it('makes no second event for a resend, logs a cancel against the alarm, and takes a four-tag heartbeat', async () => {
    const alarm = `<mrq><ref>1193308443</ref><cid>${units.possum}</cid><dty>3</dty><stc>10</stc><crd>gsm:</crd></mrq>`;
    expect(
      verdict(await sendAsUnit(sipPort, { user: units.possum, auth: authOf(units.possum), expectSnu: 0, body: alarm })),
    ).toBe('passed');
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: units.possum,
          auth: authOf(units.possum),
          expectSnu: 0,
          body: `<mrq><ref>1193308444</ref><cid>${units.possum}</cid><dty>3</dty><stc>19</stc></mrq>`,
        }),
      ),
    ).toBe('passed');
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: units.possum,
          auth: authOf(units.possum),
          expectSnu: 0,
          body: `<mrq><mty>PI</mty><ref>1998218577</ref><cid>${units.possum}</cid><dty>2</dty></mrq>`,
        }),
      ),
    ).toBe('passed');
    // The receipt says Kafka has them; the tap reads them a moment later.
    for (const type of ['alarm.cancelled', 'heartbeat'])
      await events.waitFor((record) => record.key === deviceOf(units.possum) && event(record).type === type);
    const ids = eventsOf(units.possum).map((record) => event(record).id);
    const alarmId = event(eventsOf(units.possum)[0]).id;
    // Kafka may hold a resend twice (that is what ids are for); the id is the same.
    expect(new Set(ids.filter((id) => id.startsWith('scaip.1193308443.'))).size).toBe(1);
    const types = eventsOf(units.possum).map((record) => event(record));
    expect(types.find((candidate) => candidate.type === 'alarm.cancelled')).toMatchObject({ ref: alarmId });
    expect(types.find((candidate) => candidate.type === 'heartbeat')).toBeDefined();
  });

  it('takes a unit over SIP/TLS with the configured certificate, and a client that does not trust it gets no connection', async () => {
    const body = `<mrq><ref>TLS1</ref><mty>ME</mty><cid>${units.essence}</cid><dty>2</dty><stc>10</stc></mrq>`;
    const ca = readFileSync(certificate.certFile);
    const result = await sendOverTls(tlsPort, { ca, ...authOf(units.essence), body });
    expect(result).toEqual({ statuses: [401, 200], receipt: '<mrs><ref>TLS1</ref><snu>0</snu></mrs>' });
    const record = await events.waitFor(
      (candidate) => candidate.key === deviceOf(units.essence) && event(candidate).scaip?.['ref'] === 'TLS1',
    );
    expect(event(record).type).toBe('alarm.button');
    // A unit with voice (its crd a GSM number) is told to call the centre's number; one without is not (above).
    const withVoice = `<mrq><ref>TLS2</ref><mty>ME</mty><cid>${units.essence}</cid><dty>2</dty><stc>10</stc><crd>gsm:+4791234567</crd></mrq>`;
    expect(await sendOverTls(tlsPort, { ca, ...authOf(units.essence), body: withVoice })).toEqual({
      statuses: [401, 200],
      receipt: '<mrs><ref>TLS2</ref><snu>0</snu><mre>1</mre><cre>62</cre><tnu>+4722334455</tnu></mrs>',
    });
    await expect(sendOverTls(tlsPort, { ca: Buffer.from(''), ...authOf(units.essence), body })).rejects.toThrow(
      /self-signed certificate/,
    );
  });

  it('answers a malformed body with its snu, refuses unknown and retired controllers, and dead-letters each with a reason', async () => {
    expect(
      verdict(
        await sendAsUnit(sipPort, { user: units.essence, expectSnu: 7, body: `<mrq><ref>77</ref><dty>2</dty></mrq>` }),
      ),
    ).toBe('passed');
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: units.essence,
          expectSnu: 3,
          body: `<mrq><ref>78</ref><cid>12ab</cid><dty>2</dty></mrq>`,
        }),
      ),
    ).toBe('passed');
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: units.retired,
          expectSnu: null,
          expectStatus: 403,
          body: `<mrq><ref>79</ref><cid>${units.retired}</cid><dty>2</dty></mrq>`,
        }),
      ),
    ).toBe('passed');
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: '999',
          expectSnu: null,
          expectStatus: 403,
          body: `<mrq><ref>80</ref><cid>${run}99</cid><dty>2</dty></mrq>`,
        }),
      ),
    ).toBe('passed');
    // A wrong secret: challenged again, never received, dead-lettered as digest_wrong.
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: units.climax,
          auth: { user: units.climax, password: 'not-the-issued-secret' },
          expectSnu: null,
          expectStatus: 401,
          body: `<mrq><ref>81</ref><cid>${units.climax}</cid><dty>2</dty><stc>10</stc></mrq>`,
        }),
      ),
    ).toBe('passed');
    // A replay: an eavesdropper sends the unit's signed credentials again (same nonce and count)
    // with a body of its own: challenged, never received, dead-lettered as digest_replayed.
    const signed = await sendAsUnit(sipPort, {
      user: units.telealarm,
      auth: authOf(units.telealarm),
      expectSnu: 0,
      body: `<mrq><ref>82</ref><mty>PI</mty><cid>${units.telealarm}</cid><dty>2</dty></mrq>`,
    });
    expect(verdict(signed)).toBe('passed');
    expect(signed.authorization).toMatch(/nonce="[0-9a-f]+".*nc=/);
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: units.telealarm,
          authorization: signed.authorization,
          expectSnu: null,
          expectStatus: 401,
          body: `<mrq><ref>83</ref><cid>${units.telealarm}</cid><dty>2</dty><stc>10</stc></mrq>`,
        }),
      ),
    ).toBe('passed');
    const reasons = () =>
      deadLetters.records
        .filter((record) => record.value.source === 'scaip-gateway')
        .map((record) => record.value.reason);
    await deadLetters.waitFor(() =>
      ['mandatory_tag_missing', 'invalid_cid', 'device_retired', 'unknown_controller', 'digest_wrong'].every((reason) =>
        reasons().includes(reason),
      ),
    );
    const replayed = await deadLetters.waitFor(
      (record) => record.value.reason === 'digest_replayed' && record.value.deviceId === deviceOf(units.telealarm),
    );
    expect(replayed.value).toMatchObject({ source: 'scaip-gateway', origin: { kind: 'sip', transport: 'UDP' } });
    expect(eventsOf(units.telealarm).map((record) => event(record).scaip)).not.toContainEqual(
      expect.objectContaining({ ref: '83' }),
    );
    // The dead-letter topic is shared with other test files (the ingestor's retired devices too): this unit's record.
    const retired = deadLetters.records.find(
      (record) => record.value.reason === 'device_retired' && record.value.deviceId === deviceOf(units.retired),
    );
    expect(retired?.value).toMatchObject({
      source: 'scaip-gateway',
      deviceId: deviceOf(units.retired),
      origin: { kind: 'sip', transport: 'UDP' },
    });
  });

  it('refuses XXE, billion laughs, deep nesting, non-UTF-8, a wrong content type and a flood, and keeps running', async () => {
    const hostile = [
      {
        body: `<!DOCTYPE mrq [<!ENTITY x SYSTEM "file:///etc/passwd">]><mrq><ref>1</ref><cid>${units.essence}</cid><dty>2</dty><dte>&x;</dte></mrq>`,
        reason: 'xml_doctype',
      },
      {
        body: `<!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><mrq><ref>2</ref><cid>${units.essence}</cid><dty>2</dty><dte>&b;</dte></mrq>`,
        reason: 'xml_doctype',
      },
      { body: `<mrq>${'<x>'.repeat(40)}${'</x>'.repeat(40)}</mrq>`, reason: 'xml_too_deep' },
    ];
    for (const { body } of hostile) expect(await sendRawUdp(sipPort, Buffer.from(body))).toBe(400);
    const latin1 = Buffer.concat([
      Buffer.from(`<mrq><ref>4</ref><cid>${units.essence}</cid><dty>2</dty><dte>`),
      Buffer.from([0xe6, 0xf8]),
      Buffer.from('</dte></mrq>'),
    ]);
    expect(await sendRawUdp(sipPort, latin1)).toBe(400);
    // Truncated: the datagram holds less body than its Content-Length says.
    expect(
      await sendRawUdp(sipPort, Buffer.from(`<mrq><ref>5</ref><cid>${units.essence}</cid>`), { contentLength: 200 }),
    ).toBe(400);
    expect(
      verdict(
        await sendAsUnit(sipPort, {
          user: units.essence,
          expectSnu: null,
          expectStatus: 415,
          contentType: 'text/plain',
          body: `<mrq><ref>3</ref><cid>${units.essence}</cid><dty>2</dty></mrq>`,
        }),
      ),
    ).toBe('passed');
    await deadLetters.waitFor(() =>
      ['xml_doctype', 'xml_too_deep', 'invalid_utf8', 'truncated_message', 'wrong_content_type'].every((reason) =>
        deadLetters.records.some((record) => record.value.source === 'scaip-gateway' && record.value.reason === reason),
      ),
    );
    // Nothing of it reached a lane, and no entity was expanded into a dead letter.
    expect(events.records.filter((record) => JSON.stringify(record.value).includes('aaaaaaaa'))).toEqual([]);
    // A flood from one source (every test here sends from 127.0.0.1): past 40 requests a minute it gets 503.
    const flood = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        sendAsUnit(sipPort, {
          user: units.telealarm,
          expectSnu: null,
          expectStatus: 503,
          body: `<mrq><ref>F${i}</ref><cid>${units.telealarm}</cid><dty>2</dty><mty>PI</mty></mrq>`,
        }),
      ),
    );
    expect(flood.filter((result) => result.code === 0).length).toBeGreaterThan(0);
    const health = await fetch(`${gateway.url}/health/live`);
    expect(health.status).toBe(200);
  });
});
