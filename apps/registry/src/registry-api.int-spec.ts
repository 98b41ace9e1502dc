import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import type { ConfigResourceTypes } from 'kafkajs';
import { decodeRegistryDeviceRecord, KafkaTopics, RegistryDeviceRecord } from '@welfare/contracts';
import { KafkaTap, TappedRecord } from '../../../test/support/kafka-tap';
import { RegistryApi } from '../../../test/support/registry-api';
import { createHash } from 'node:crypto';
import { startRegistry } from '../../../test/support/running-services';
import type { RunningService } from '../../../test/support/running-services';
import { createTestDatabase } from '../../../test/support/test-database';
import { testInfra, uniqueName } from '../../../test/support/test-infra';
import { municipalityAdminToken } from '../../../test/support/tokens';
import { DeviceCredentialsService } from './devices/device-credentials.service';

/**
 * The registry's HTTP API against a running instance on real PostgreSQL and Kafka. The
 * registry topic is shared with other test files, so assertions on it are narrowed to this
 * file's own device ids.
 */
const GATEWAY_SECRET = 'gateway-secret-for-tests-0123';

describe('registry HTTP API', () => {
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let api: RegistryApi;
  let tap: KafkaTap;
  let sql: Client;
  let credentials: DeviceCredentialsService;

  beforeAll(async () => {
    database = await createTestDatabase('registry_api');
    registry = await startRegistry(database.url, { SCAIP_GATEWAY_SECRET: GATEWAY_SECRET });
    api = new RegistryApi(registry.url);
    tap = await KafkaTap.open(KafkaTopics.registryDevices);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    credentials = registry.app.get(DeviceCredentialsService);
  });

  afterAll(async () => {
    await Promise.allSettled([tap?.close(), sql?.end()]);
    await Promise.allSettled([registry?.close()]);
    await database?.drop();
  });

  /** The records of one device on the topic, in the order they were written. */
  const recordsOf = (deviceId: string): RegistryDeviceRecord[] =>
    tap.records
      .filter((record) => record.key === deviceId)
      .map((record) => decodeRegistryDeviceRecord(Buffer.from(record.raw)) as RegistryDeviceRecord);
  const waitForRevision = (deviceId: string, revision: number): Promise<TappedRecord> =>
    tap.waitFor((record) => record.key === deviceId && record.value.revision === revision);

  async function newResident(municipalityId: string, extra: Record<string, unknown> = {}) {
    return api.expect(201, 'POST', '/api/residents', {
      name: 'Kari Nordmann',
      address: 'Storgata 1, 3015 Drammen',
      municipalityId,
      ...extra,
    });
  }

  async function newDevice(extra: Record<string, unknown> = {}) {
    const id = uniqueName('dev');
    return api.expect(201, 'POST', '/api/devices', { id, serialNumber: `SN-${id}`, kind: 'safety_alarm', ...extra });
  }

  describe('response centres, municipalities, teams, residents', () => {
    it('creates, reads, updates and lists each of them', async () => {
      const { centreId, municipalityId, teamId } = await api.setup();
      expect(await api.expect(200, 'GET', `/api/response-centres/${centreId}`)).toMatchObject({ id: centreId });
      expect(
        await api.expect(200, 'PATCH', `/api/response-centres/${centreId}`, { name: 'Renamed centre' }),
      ).toMatchObject({ name: 'Renamed centre' });
      expect(
        (await api.expect(200, 'GET', `/api/municipalities?responseCentreId=${centreId}`)).map(
          (m: { id: string }) => m.id,
        ),
      ).toEqual([municipalityId]);
      expect(
        (await api.expect(200, 'GET', `/api/home-care-teams?municipalityId=${municipalityId}`)).map(
          (t: { id: string }) => t.id,
        ),
      ).toEqual([teamId]);
      const contacts = [
        { name: 'Ola Nordmann', phone: '+47 912 34 567', relation: 'son' },
        { name: 'Nabo Hansen', phone: '22 33 44 55' },
      ];
      const resident = await newResident(municipalityId, {
        homeCareTeamId: teamId,
        keyBox: 'Left of the front door',
        doorCodeHint: 'Birth year of the cat',
        contacts,
        careNote: 'Hard of hearing',
      });
      expect(await api.expect(200, 'GET', `/api/residents/${resident.id}`)).toMatchObject({
        homeCareTeamId: teamId,
        contacts,
        keyBox: 'Left of the front door',
        careNote: 'Hard of hearing',
      });
      const updated = await api.expect(200, 'PATCH', `/api/residents/${resident.id}`, {
        careNote: 'Uses a walker',
        contacts: [contacts[1], contacts[0]],
      });
      expect(updated).toMatchObject({
        careNote: 'Uses a walker',
        contacts: [contacts[1], contacts[0]],
        doorCodeHint: 'Birth year of the cat',
      });
    });

    it('lists residents a page at a time, searched by name or address, with the total in X-Total-Count', async () => {
      const { municipalityId } = await api.setup();
      for (const [name, address] of [
        ['Anne Berg', 'Fjordveien 2, 3015 Drammen'],
        ['Bjørn Dahl', 'Storgata 10, 3015 Drammen'],
        ['Cecilie Eng', 'Storgata 12, 3015 Drammen'],
        ['Dag 100% Fos', 'Elvegata 1, 3015 Drammen'],
      ])
        await newResident(municipalityId, { name, address });
      const page = async (query: string) => {
        const response = await fetch(`${registry.url}/api/residents?${query}`, {
          headers: { authorization: `Bearer ${await municipalityAdminToken(municipalityId)}` },
        });
        const body = (await response.json()) as { name: string }[];
        return { total: response.headers.get('x-total-count'), names: body.map((resident) => resident.name) };
      };
      expect(await page('limit=2')).toEqual({ total: '4', names: ['Anne Berg', 'Bjørn Dahl'] });
      expect(await page('limit=2&offset=2')).toEqual({ total: '4', names: ['Cecilie Eng', 'Dag 100% Fos'] });
      expect(await page('search=STORGATA')).toEqual({ total: '2', names: ['Bjørn Dahl', 'Cecilie Eng'] });
      expect(await page('search=eng')).toEqual({ total: '1', names: ['Cecilie Eng'] });
      // LIKE's wildcards are searched for as they are.
      expect(await page(`search=${encodeURIComponent('100%')}`)).toEqual({ total: '1', names: ['Dag 100% Fos'] });
      expect(await page(`search=${encodeURIComponent('_')}`)).toEqual({ total: '0', names: [] });
      expect((await api.call('GET', '/api/residents?limit=0')).status).toBe(400);
    });

    it('answers 404 for unknown ids, in the path and in the body', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      for (const path of ['response-centres', 'municipalities', 'home-care-teams', 'residents']) {
        expect(await api.call('GET', `/api/${path}/${unknown}`)).toMatchObject({
          status: 404,
          body: { message: expect.stringContaining(unknown) },
        });
      }
      expect((await api.call('GET', '/api/devices/no-such-device')).status).toBe(404);
      expect(
        (await api.call('POST', '/api/municipalities', { number: '9999', name: 'X', responseCentreId: unknown }))
          .status,
      ).toBe(404);
      const { municipalityId } = await api.setup();
      expect(
        (await api.call('POST', '/api/residents', { name: 'A', address: 'B', municipalityId, homeCareTeamId: unknown }))
          .status,
      ).toBe(404);
    });

    it('answers 409 for duplicates and for deleting what is still in use, and deletes what is not', async () => {
      const { centreId, municipalityId, municipalityNumber, teamId, teamName } = await api.setup();
      const centreName = (await api.expect(200, 'GET', `/api/response-centres/${centreId}`)).name;
      expect((await api.call('POST', '/api/response-centres', { name: centreName })).status).toBe(409);
      expect(
        (
          await api.call('POST', '/api/municipalities', {
            number: municipalityNumber,
            name: 'Twin',
            responseCentreId: centreId,
          })
        ).status,
      ).toBe(409);
      expect(await api.call('POST', '/api/home-care-teams', { municipalityId, name: teamName })).toMatchObject({
        status: 409,
        body: { message: expect.stringContaining('team with this name') },
      });
      expect((await api.call('DELETE', `/api/response-centres/${centreId}`)).status).toBe(409);
      expect((await api.call('DELETE', `/api/municipalities/${municipalityId}`)).status).toBe(409);
      const resident = await newResident(municipalityId, { homeCareTeamId: teamId });
      expect((await api.call('DELETE', `/api/home-care-teams/${teamId}`)).status).toBe(409);
      expect((await api.call('DELETE', `/api/residents/${resident.id}`)).status).toBe(204);
      expect((await api.call('DELETE', `/api/home-care-teams/${teamId}`)).status).toBe(204);
      expect((await api.call('GET', `/api/home-care-teams/${teamId}`)).status).toBe(404);
    });

    it('answers 400 for invalid input with a message naming the field, and 422 for a team of another municipality', async () => {
      const { municipalityId, centreId } = await api.setup();
      const cases: [string, string, unknown, RegExp][] = [
        ['POST', '/api/response-centres', { name: '' }, /name/],
        ['POST', '/api/municipalities', { number: '301', name: 'Oslo', responseCentreId: centreId }, /four-digit/],
        [
          'POST',
          '/api/municipalities',
          { number: '0301', name: 'Oslo', responseCentreId: 'not-a-uuid' },
          /responseCentreId/,
        ],
        [
          'POST',
          '/api/residents',
          { name: 'A', address: 'B', municipalityId, contacts: [{ name: 'C', phone: 'call me' }] },
          /phone/,
        ],
        ['POST', '/api/residents', { name: 'A', address: 'B', municipalityId, shoeSize: 42 }, /shoeSize/],
        ['POST', '/api/devices', { id: 'has space', serialNumber: 'S', kind: 'safety_alarm' }, /id must be/],
        ['POST', '/api/devices', { id: 'ok-1', serialNumber: 'S', kind: 'toaster' }, /kind must be one of/],
        [
          'POST',
          '/api/devices',
          { id: 'ok-2', serialNumber: 'S', kind: 'door_sensor', heartbeatIntervalSeconds: 1 },
          /heartbeatIntervalSeconds/,
        ],
        ['GET', '/api/residents/not-a-uuid', undefined, /uuid/],
      ];
      for (const [method, path, body, message] of cases) {
        const answer = await api.call(method, path, body);
        expect({ path, status: answer.status }).toEqual({ path, status: 400 });
        expect([answer.body.message].flat().join(' ')).toMatch(message);
      }
      const other = await api.setup();
      const answer = await api
        .inMunicipality(municipalityId)
        .call('POST', '/api/residents', { name: 'A', address: 'B', municipalityId, homeCareTeamId: other.teamId });
      expect(answer).toMatchObject({ status: 422, body: { error: 'team_not_in_municipality' } });
    });
  });

  describe('devices', () => {
    it('registers a device in stock, without resident or secret, and publishes it', async () => {
      const device = await newDevice({ kind: 'door_sensor', heartbeatIntervalSeconds: 600 });
      expect(device).toMatchObject({
        state: 'in_stock',
        residentId: null,
        credentialsIssuedAt: null,
        heartbeatIntervalSeconds: 600,
        revision: 1,
      });
      expect(device).not.toHaveProperty('secretHash');
      const record = await waitForRevision(device.id, 1);
      expect(decodeRegistryDeviceRecord(Buffer.from(record.raw))).toMatchObject({
        deviceId: device.id,
        state: 'in_stock',
        kind: 'door_sensor',
        residentId: null,
        heartbeatIntervalSeconds: 600,
      });
      expect(
        (await api.call('POST', '/api/devices', { id: device.id, serialNumber: 'other', kind: 'safety_alarm' })).status,
      ).toBe(409);
      expect(
        (
          await api.call('POST', '/api/devices', {
            id: uniqueName('dev'),
            serialNumber: device.serialNumber,
            kind: 'safety_alarm',
          })
        ).status,
      ).toBe(409);
    });

    it('registers a SCAIP unit and its sub-device by controller id and did, once each, and publishes them', async () => {
      const { municipalityId } = await api.setup();
      const cid = String(Date.now()).slice(-12);
      const unit = await newDevice({ scaipControllerId: cid });
      const fall = await newDevice({ kind: 'fall_detector', scaipControllerId: cid, scaipSubDeviceId: '05' });
      expect(unit).toMatchObject({ scaipControllerId: cid, scaipSubDeviceId: null });
      expect(decodeRegistryDeviceRecord(Buffer.from((await waitForRevision(fall.id, 1)).raw))).toMatchObject({
        deviceId: fall.id,
        kind: 'fall_detector',
        scaip: { controllerId: cid, subDeviceId: '05' },
      });
      const again = await api.call('POST', '/api/devices', {
        id: uniqueName('dev'),
        serialNumber: uniqueName('sn'),
        kind: 'safety_alarm',
        scaipControllerId: cid,
      });
      expect(again).toMatchObject({ status: 409, body: { message: expect.stringMatching(/SCAIP controller id/) } });
      const orphan = await api.call('POST', '/api/devices', {
        id: uniqueName('dev'),
        serialNumber: uniqueName('sn'),
        kind: 'door_sensor',
        scaipSubDeviceId: '14',
      });
      expect(orphan.status).toBe(400);
      expect([orphan.body.message].flat().join(' ')).toMatch(/needs scaipControllerId/);

      // Onboarded, the unit's digest HA1 is kept for the gateway (never its secret, never on Kafka).
      const resident = await newResident(municipalityId);
      const { secret } = await api.expect(200, 'POST', `/api/devices/${unit.id}/onboard`, { residentId: resident.id });
      const ask = (gatewaySecret: string) =>
        fetch(`${registry.url}/api/scaip/digest-credentials`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-gateway-secret': gatewaySecret },
          body: JSON.stringify({ controllerId: cid }),
        });
      const answer = await ask(GATEWAY_SECRET);
      expect(answer.status).toBe(200);
      const ha1 = createHash('md5').update(`${cid}:scaip:${secret}`).digest('hex');
      expect(await answer.json()).toEqual({ realm: 'scaip', ha1 });
      expect((await ask('not-the-gateway-secret')).status).toBe(401);
      const published = (await waitForRevision(unit.id, 2)).raw;
      expect(published).not.toContain(ha1);
      expect(published).not.toContain(secret);
      await api.expect(200, 'POST', `/api/devices/${unit.id}/retire`);
      expect((await ask(GATEWAY_SECRET)).status).toBe(404);
    });

    it('onboarding returns the secret once, stores only its scrypt hash, and publishes the placement', async () => {
      const { centreId, municipalityId, teamId } = await api.setup();
      const resident = await newResident(municipalityId, { homeCareTeamId: teamId });
      const device = await newDevice();
      const onboarded = await api.expect(200, 'POST', `/api/devices/${device.id}/onboard`, { residentId: resident.id });
      expect(onboarded.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The same credentials as a QR code for provisioning tools, in this answer only.
      expect(onboarded.provisioningQrSvg).toMatch(/^<svg [^>]*viewBox=/);
      expect(onboarded.device).toMatchObject({
        state: 'active',
        residentId: resident.id,
        credentialsIssuedAt: expect.any(String),
      });

      const { rows } = await sql.query('SELECT secret_hash FROM devices WHERE id = $1', [device.id]);
      expect(rows[0].secret_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
      expect(rows[0].secret_hash).not.toContain(onboarded.secret);
      expect(await credentials.verify(device.id, onboarded.secret)).toBe(true);

      // Never shown again: not on reads, not on lists, not on the topic.
      const reads = [
        await api.expect(200, 'GET', `/api/devices/${device.id}`),
        await api.expect(200, 'GET', '/api/devices?state=active'),
      ];
      expect(reads[1].map((listed: { id: string }) => listed.id)).toContain(device.id);
      const everything = JSON.stringify(reads);
      expect(everything).not.toContain(onboarded.secret);
      expect(everything).not.toContain('scrypt');
      const record = await waitForRevision(device.id, 2);
      expect(record.value).toMatchObject({
        state: 'active',
        residentId: resident.id,
        municipalityId,
        homeCareTeamId: teamId,
        responseCentreId: centreId,
      });
      expect(record.raw).not.toContain(onboarded.secret);
      expect(record.raw).not.toContain('scrypt');

      expect((await api.call('POST', `/api/devices/${device.id}/onboard`, { residentId: resident.id })).status).toBe(
        409,
      );
      expect(
        (await api.call('POST', `/api/devices/${uniqueName('nope')}/onboard`, { residentId: resident.id })).status,
      ).toBe(404);
      expect(
        (
          await api.call('POST', `/api/devices/${(await newDevice()).id}/onboard`, {
            residentId: '00000000-0000-4000-8000-000000000000',
          })
        ).status,
      ).toBe(404);
    });

    it('answers a change only once its record is on Kafka: a device may press right after its onboarding', async () => {
      // The ingestor judges a device it does not know as active by reading the topic to its end
      // at the press; a record still in the outbox then would refuse the press as "in stock".
      const { municipalityId } = await api.setup();
      const resident = await newResident(municipalityId);
      for (let i = 0; i < 10; i++) {
        const device = await newDevice();
        await api.expect(200, 'POST', `/api/devices/${device.id}/onboard`, { residentId: resident.id });
        // The relay deletes an outbox row only after Kafka has acknowledged it.
        const { rows } = await sql.query(
          'SELECT count(*)::int AS pending FROM outbox_messages WHERE message_key = $1',
          [device.id],
        );
        expect({ device: i, pending: rows[0].pending }).toEqual({ device: i, pending: 0 });
        await waitForRevision(device.id, 2);
      }
    });

    it('rotating the secret invalidates the old one', async () => {
      const { municipalityId } = await api.setup();
      const resident = await newResident(municipalityId);
      const device = await newDevice();
      expect((await api.call('POST', `/api/devices/${device.id}/rotate-secret`)).status).toBe(409);
      const first = await api.expect(200, 'POST', `/api/devices/${device.id}/onboard`, { residentId: resident.id });
      const second = await api.expect(200, 'POST', `/api/devices/${device.id}/rotate-secret`);
      expect(second.secret).not.toBe(first.secret);
      expect(await credentials.verify(device.id, first.secret)).toBe(false);
      expect(await credentials.verify(device.id, second.secret)).toBe(true);
      const rotated = await waitForRevision(device.id, 3);
      expect(Date.parse(rotated.value.credentialsIssuedAt as string)).toBeGreaterThan(
        Date.parse(first.device.credentialsIssuedAt),
      );
    });

    it('retiring shuts the device out for good and is published as state "retired", not a tombstone', async () => {
      const { municipalityId } = await api.setup();
      const resident = await newResident(municipalityId);
      const device = await newDevice();
      const { secret } = await api.expect(200, 'POST', `/api/devices/${device.id}/onboard`, {
        residentId: resident.id,
      });
      const retired = await api.expect(200, 'POST', `/api/devices/${device.id}/retire`);
      expect(retired).toMatchObject({
        state: 'retired',
        credentialsIssuedAt: null,
        retiredAt: expect.any(String),
        residentId: resident.id,
      });
      expect(await credentials.verify(device.id, secret)).toBe(false);
      const { rows } = await sql.query('SELECT secret_hash FROM devices WHERE id = $1', [device.id]);
      expect(rows[0].secret_hash).toBeNull();
      expect(await api.expect(200, 'POST', `/api/devices/${device.id}/retire`)).toMatchObject({
        state: 'retired',
        revision: retired.revision,
      });
      expect((await api.call('POST', `/api/devices/${device.id}/rotate-secret`)).status).toBe(409);
      expect((await api.call('POST', `/api/devices/${device.id}/onboard`, { residentId: resident.id })).status).toBe(
        409,
      );
      expect((await api.call('PATCH', `/api/devices/${device.id}`, { heartbeatIntervalSeconds: 60 })).status).toBe(409);
      const record = await waitForRevision(device.id, 3);
      expect(record.value).toMatchObject({ state: 'retired', credentialsIssuedAt: null });
      expect(record.raw).not.toBe('');
    });

    it('publishes a record keyed by device id for every change, with increasing revisions, including changes of the resident and municipality', async () => {
      const { municipalityId, teamId } = await api.setup();
      const resident = await newResident(municipalityId);
      const device = await newDevice();
      await api.expect(200, 'POST', `/api/devices/${device.id}/onboard`, { residentId: resident.id });
      await api.expect(200, 'PATCH', `/api/devices/${device.id}`, { heartbeatIntervalSeconds: 120 });
      await api.expect(200, 'PATCH', `/api/residents/${resident.id}`, { homeCareTeamId: teamId });
      await api.expect(200, 'PATCH', `/api/residents/${resident.id}`, { careNote: 'no change to the device record' });
      const otherCentre = await api.expect(201, 'POST', '/api/response-centres', { name: uniqueName('centre') });
      await api.expect(200, 'PATCH', `/api/municipalities/${municipalityId}`, { responseCentreId: otherCentre.id });
      await api.expect(200, 'POST', `/api/devices/${device.id}/retire`);

      await waitForRevision(device.id, 6);
      await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more may follow
      const records = recordsOf(device.id);
      expect(records.map((record) => record.revision)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(records.map((record) => record.state)).toEqual([
        'in_stock',
        'active',
        'active',
        'active',
        'active',
        'retired',
      ]);
      expect(records[2].heartbeatIntervalSeconds).toBe(120);
      expect(records[3].homeCareTeamId).toBe(teamId);
      expect(records[4].responseCentreId).toBe(otherCentre.id);
      expect(
        new Set(tap.records.filter((record) => record.key === device.id).map((record) => record.partition)).size,
      ).toBe(1);
      const { rows } = await sql.query('SELECT count(*)::int AS pending FROM outbox_messages');
      expect(rows[0].pending).toBe(0);
    });
  });

  it('creates the registry topic compacted', async () => {
    const admin = new Kafka({
      clientId: uniqueName('admin'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: 2 as ConfigResourceTypes, name: KafkaTopics.registryDevices, configNames: ['cleanup.policy'] },
        ],
      });
      expect(described.resources[0].configEntries).toEqual([
        expect.objectContaining({ configName: 'cleanup.policy', configValue: 'compact' }),
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('serves health and its OpenAPI document', async () => {
    expect((await api.call('GET', '/health/live')).status).toBe(200);
    expect((await api.call('GET', '/health/ready')).status).toBe(200);
    const openApi = await api.expect(200, 'GET', '/api/openapi.json');
    expect(Object.keys(openApi.paths)).toEqual(
      expect.arrayContaining(['/api/devices/{id}/onboard', '/api/devices/{id}/rotate-secret', '/api/residents']),
    );
  });
});
