import { decodeRegistryDeviceRecord, encodeRegistryDeviceRecord, RegistryDeviceRecord } from './registry-records';
import { contractTopicSpecs, KafkaTopics } from './topics';

const record: RegistryDeviceRecord = {
  v: 1,
  deviceId: 'alarm-0001',
  revision: 3,
  state: 'active',
  kind: 'safety_alarm',
  serialNumber: 'SN-1',
  residentId: '6f1c2d8e-3f64-4b6a-9a53-0d4cbb1d1a11',
  homeCareTeamId: null,
  municipalityId: '0b4f5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d',
  responseCentreId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  heartbeatIntervalSeconds: 300,
  credentialsIssuedAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
};

describe('registry device records', () => {
  it('round-trips through its encoding', () => {
    expect(decodeRegistryDeviceRecord(encodeRegistryDeviceRecord(record))).toEqual(record);
  });

  it.each([
    ['no value', null, 'invalid_json'],
    ['not JSON', Buffer.from('{'), 'invalid_json'],
    ['wrong version', { ...record, v: 2 }, 'invalid_field'],
    ['bad device id', { ...record, deviceId: 'a b' }, 'invalid_field'],
    ['unknown state', { ...record, state: 'lost' }, 'invalid_field'],
    ['unknown kind', { ...record, kind: 'toaster' }, 'invalid_field'],
    ['zero revision', { ...record, revision: 0 }, 'invalid_field'],
    ['bad municipality id', { ...record, municipalityId: 'oslo' }, 'invalid_field'],
    ['no heartbeat interval', { ...record, heartbeatIntervalSeconds: undefined }, 'invalid_field'],
  ])('refuses a record with %s', (_name, value, reason) => {
    const bytes = value === null || Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
    expect(decodeRegistryDeviceRecord(bytes)).toMatchObject({ reason });
  });

  it('never carries a secret or its hash', () => {
    expect(Object.keys(record).filter((key) => /secret|hash/i.test(key))).toEqual([]);
  });
});

describe('contract topic specs', () => {
  it("compacts the registry topics and the SCAIP gateway's alarm memory, and leaves the others on the broker defaults", () => {
    const specs = contractTopicSpecs();
    const registry = [
      KafkaTopics.registryDevices,
      KafkaTopics.registryHomeCareTeams,
      KafkaTopics.registryResidents,
      KafkaTopics.registryMunicipalities,
      KafkaTopics.scaipUnitAlarms,
    ] as string[];
    for (const topic of registry)
      expect(specs.find((spec) => spec.topic === topic)?.configEntries).toEqual([
        { name: 'cleanup.policy', value: 'compact' },
      ]);
    expect(
      specs.filter((spec) => !registry.includes(spec.topic)).every((spec) => spec.configEntries === undefined),
    ).toBe(true);
  });
});
