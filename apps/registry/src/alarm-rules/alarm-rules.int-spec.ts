import {
  decodeRegistryHomeCareTeamRecord,
  decodeRegistryMunicipalityRecord,
  decodeRegistryResidentRecord,
  KafkaTopics,
} from '@welfare/contracts';
import type {
  RegistryHomeCareTeamRecord,
  RegistryMunicipalityRecord,
  RegistryResidentRecord,
  Rejection,
} from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap, TappedRecord } from '../../../../test/support/kafka-tap';
import { RegistryApi } from '../../../../test/support/registry-api';
import { startRegistry } from '../../../../test/support/running-services';
import type { RunningService } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';
import { municipalityAdminToken } from '../../../../test/support/tokens';

const circle = { kind: 'circle', name: 'home', center: { lat: 59.74, lon: 10.2 }, radiusMeters: 250 };
const polygon = {
  kind: 'polygon',
  name: 'park',
  points: [
    { lat: 59.75, lon: 10.21 },
    { lat: 59.75, lon: 10.22 },
    { lat: 59.755, lon: 10.22 },
  ],
};

/**
 * Alarm rules through the registry's API, and the records that carry residents, municipalities
 * and home-care teams to the response centre, on real PostgreSQL and Kafka.
 */
describe('registry: alarm rules and the resident, municipality and team records', () => {
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let admin: RegistryApi;
  let place: Awaited<ReturnType<RegistryApi['setup']>>;
  let residentId: string;
  const taps: Record<string, KafkaTap> = {};

  beforeAll(async () => {
    database = await createTestDatabase('registry_rules');
    registry = await startRegistry(database.url);
    const api = new RegistryApi(registry.url);
    place = await api.setup();
    admin = api.as(await municipalityAdminToken(place.municipalityId));
    residentId = (
      await admin.expect(201, 'POST', '/api/residents', {
        name: 'Kari Nordmann',
        address: 'Storgata 1',
        municipalityId: place.municipalityId,
        homeCareTeamId: place.teamId,
      })
    ).id;
    for (const topic of [
      KafkaTopics.registryResidents,
      KafkaTopics.registryMunicipalities,
      KafkaTopics.registryHomeCareTeams,
    ])
      taps[topic] = await KafkaTap.open(topic);
  });

  afterAll(async () => {
    await Promise.allSettled(Object.values(taps).map((tap) => tap.close()));
    await registry?.close();
    await database?.drop();
  });

  /** The newest record of the key on the topic, once `check` holds for it. */
  async function newest<T>(
    topic: string,
    key: string,
    decode: (value: Buffer) => T | Rejection,
    check: (record: T) => void,
  ): Promise<T> {
    return eventually(() => {
      const records = taps[topic].records.filter((record: TappedRecord) => record.key === key);
      expect(records.length).toBeGreaterThan(0);
      const decoded = decode(Buffer.from(records[records.length - 1].raw));
      if ('reason' in (decoded as object) && 'detail' in (decoded as object))
        throw new Error(`undecodable record: ${JSON.stringify(decoded)}`);
      check(decoded as T);
      return decoded as T;
    });
  }

  it("sets a resident's own rules over the municipality's defaults and publishes both, with rising revisions", async () => {
    const defaults = { doorNightWindow: { start: '22:00', end: '07:00' }, doorOpenLimitMinutes: 15 };
    expect(
      await admin.expect(200, 'PUT', `/api/municipalities/${place.municipalityId}/alarm-rule-defaults`, defaults),
    ).toEqual(defaults);
    const own = {
      doorNightWindow: { start: '23:30', end: '05:00' },
      doorOpenLimitMinutes: null,
      safeZones: [circle, polygon],
    };
    const view = await admin.expect(200, 'PUT', `/api/residents/${residentId}/alarm-rules`, own);
    expect(view).toEqual({
      own,
      municipalityDefaults: defaults,
      effective: { doorNightWindow: own.doorNightWindow, doorOpenLimitMinutes: null, safeZones: [circle, polygon] },
    });
    expect(await admin.expect(200, 'GET', `/api/residents/${residentId}/alarm-rules`)).toEqual(view);

    const municipality = await newest<RegistryMunicipalityRecord>(
      KafkaTopics.registryMunicipalities,
      place.municipalityId,
      decodeRegistryMunicipalityRecord,
      (record) => expect(record.alarmRuleDefaults).toEqual(defaults),
    );
    expect(municipality).toMatchObject({ responseCentreId: place.centreId, deleted: false });
    const resident = await newest<RegistryResidentRecord>(
      KafkaTopics.registryResidents,
      residentId,
      decodeRegistryResidentRecord,
      (record) => expect(record.alarmRules).toEqual(own),
    );
    expect(resident).toMatchObject({
      name: 'Kari Nordmann',
      address: 'Storgata 1',
      homeCareTeamId: place.teamId,
      deleted: false,
    });
    const revisions = taps[KafkaTopics.registryResidents].records
      .filter((record) => record.key === residentId)
      .map((record) => record.value.revision as number);
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    expect(new Set(revisions).size).toBe(revisions.length);
  });

  it('a field left out takes the default; the whole rule set is replaced, not merged', async () => {
    const view = await admin.expect(200, 'PUT', `/api/residents/${residentId}/alarm-rules`, { safeZones: [circle] });
    expect(view.own).toEqual({ safeZones: [circle] });
    expect(view.effective).toEqual({
      doorNightWindow: { start: '22:00', end: '07:00' },
      doorOpenLimitMinutes: 15,
      safeZones: [circle],
    });
  });

  it('refuses bad rules with a message, and changes nothing', async () => {
    const before = await admin.expect(200, 'GET', `/api/residents/${residentId}/alarm-rules`);
    const bad: [unknown, number, RegExp][] = [
      [{ doorNightWindow: { start: '25:00', end: '06:00' } }, 400, /start must be a time HH:MM/],
      [{ doorOpenLimitMinutes: 0 }, 400, /doorOpenLimitMinutes/],
      [{ safeZones: [{ kind: 'circle', name: 'x', center: { lat: 91, lon: 0 }, radiusMeters: 10 }] }, 400, /lat/],
      [
        {
          safeZones: [
            {
              kind: 'polygon',
              name: 'two corners',
              points: [
                { lat: 1, lon: 1 },
                { lat: 2, lon: 2 },
              ],
            },
          ],
        },
        400,
        /points/,
      ],
      [{ safeZones: [{ kind: 'square', name: 'x' }] }, 400, /kind/],
      [{ safeZones: [{ ...polygon, center: { lat: 1, lon: 1 } }] }, 422, /safeZones/],
      [{ somethingElse: true }, 400, /somethingElse/],
    ];
    for (const [body, status, message] of bad) {
      const answer = await admin.call('PUT', `/api/residents/${residentId}/alarm-rules`, body);
      expect({ body, status: answer.status }).toEqual({ body, status });
      expect(JSON.stringify(answer.body)).toMatch(message);
    }
    expect(await admin.expect(200, 'GET', `/api/residents/${residentId}/alarm-rules`)).toEqual(before);
  });

  it('publishes teams, and a deleted resident or team stays on its topic as deleted, without personal data', async () => {
    const team = await admin.expect(201, 'POST', '/api/home-care-teams', {
      municipalityId: place.municipalityId,
      name: uniqueName('team'),
    });
    await newest<RegistryHomeCareTeamRecord>(
      KafkaTopics.registryHomeCareTeams,
      team.id,
      decodeRegistryHomeCareTeamRecord,
      (record) =>
        expect(record).toMatchObject({ name: team.name, municipalityId: place.municipalityId, deleted: false }),
    );
    await admin.expect(204, 'DELETE', `/api/home-care-teams/${team.id}`);
    await newest<RegistryHomeCareTeamRecord>(
      KafkaTopics.registryHomeCareTeams,
      team.id,
      decodeRegistryHomeCareTeamRecord,
      (record) => expect(record.deleted).toBe(true),
    );

    const leaving = await admin.expect(201, 'POST', '/api/residents', {
      name: 'Per Hansen',
      address: 'Bakken 2',
      municipalityId: place.municipalityId,
    });
    await admin.expect(204, 'DELETE', `/api/residents/${leaving.id}`);
    const gone = await newest<RegistryResidentRecord>(
      KafkaTopics.registryResidents,
      leaving.id,
      decodeRegistryResidentRecord,
      (record) => expect(record.deleted).toBe(true),
    );
    expect(gone).toMatchObject({ name: '', address: '', contacts: [], alarmRules: {} });
  });

  it("another municipality's administrator cannot read or set the rules", async () => {
    const other = new RegistryApi(registry.url);
    const elsewhere = await other.setup();
    const intruder = other.as(await municipalityAdminToken(elsewhere.municipalityId));
    expect((await intruder.call('GET', `/api/residents/${residentId}/alarm-rules`)).status).toBe(404);
    expect((await intruder.call('PUT', `/api/residents/${residentId}/alarm-rules`, {})).status).toBe(404);
    expect(
      (await intruder.call('PUT', `/api/municipalities/${place.municipalityId}/alarm-rule-defaults`, {})).status,
    ).toBe(404);
  });
});
