import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import {
  DeviceEventRecord,
  encodeRecord,
  encodeRegistryDeviceRecord,
  encodeRegistryRecord,
  KafkaTopics,
  RegistryDeviceRecord,
} from '@welfare/contracts';
import type { RegistryResidentRecord } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap } from '../../../../test/support/kafka-tap';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { testInfra, uniqueName } from '../../../../test/support/test-infra';
import { operatorToken } from '../../../../test/support/tokens';

interface AlarmJson {
  id: string;
  deviceId: string;
  triggerEventId: string;
  residentId: string | null;
  municipalityId: string | null;
  responseCentreId: string | null;
}

/**
 * The response centre's local view of the registry (registry.devices.v1, compacted): alarms are
 * stamped with the resident, municipality and centre the registry gave the device, without a
 * call to the registry; the highest revision wins; an unknown device's alarm still opens.
 */
describe('response centre: alarms stamped from the registry view', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let producer: Producer;
  let deadLetters: KafkaTap;

  beforeAll(async () => {
    database = await createTestDatabase('registry_view');
    centre = await startResponseCentre(database.url, { KAFKA_CONSUMER_GROUP: uniqueName('rc-registry-view') });
    const kafka = new Kafka({
      clientId: uniqueName('registry-view-test'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    deadLetters = await KafkaTap.open(KafkaTopics.deviceEventsDeadLetter);
  });

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), deadLetters?.close(), centre?.close()]);
    await database?.drop();
  });

  const registryRecord = (
    deviceId: string,
    revision: number,
    owner: Pick<RegistryDeviceRecord, 'residentId' | 'municipalityId' | 'responseCentreId'>,
  ): RegistryDeviceRecord => ({
    v: 1,
    deviceId,
    revision,
    state: 'active',
    kind: 'safety_alarm',
    serialNumber: `SN-${deviceId}`,
    homeCareTeamId: null,
    heartbeatIntervalSeconds: 900,
    credentialsIssuedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    ...owner,
  });

  /** All into partition 0, so the view takes them in exactly this order. */
  async function publishRegistry(...records: (RegistryDeviceRecord | string)[]): Promise<void> {
    const value = (record: RegistryDeviceRecord | string) =>
      typeof record === 'string' ? record : encodeRegistryDeviceRecord(record);
    const key = (record: RegistryDeviceRecord | string) =>
      typeof record === 'string' ? 'unreadable' : record.deviceId;
    await producer.send({
      topic: KafkaTopics.registryDevices,
      messages: records.map((record) => ({ key: key(record), value: value(record), partition: 0 })),
    });
  }

  /**
   * Presses the device's button and returns the alarm the press went to (a new one, or the
   * unresolved one it was attached to), as an operator of `centreId` sees it.
   */
  async function pressButton(deviceId: string, centreId: string = randomUUID()): Promise<AlarmJson> {
    const headers = { authorization: `Bearer ${await operatorToken(centreId)}` };
    const eventId = uniqueName('press');
    const record: DeviceEventRecord = {
      v: 1,
      deviceId,
      receivedAt: new Date().toISOString(),
      event: { id: eventId, type: 'alarm.button', time: new Date().toISOString() } as DeviceEventRecord['event'],
    };
    await producer.send({
      topic: KafkaTopics.deviceEvents,
      messages: [{ key: deviceId, value: encodeRecord(record) }],
    });
    return eventually(async () => {
      const history = (await (
        await fetch(`${centre.url}/api/devices/${deviceId}/events?limit=500`, { headers })
      ).json()) as { eventId: string; alarmId: string | null }[];
      const alarmId = history.find((event) => event.eventId === eventId)?.alarmId;
      if (!alarmId) throw new Error(`press ${deviceId}/${eventId} not taken in yet`);
      return (await (await fetch(`${centre.url}/api/alarms/${alarmId}`, { headers })).json()) as AlarmJson;
    });
  }

  it('stamps an alarm with the resident, municipality and centre of the newest revision the registry published', async () => {
    const deviceId = uniqueName('registered');
    const newest = { residentId: randomUUID(), municipalityId: randomUUID(), responseCentreId: randomUUID() };
    // Revision 2 first, then a late revision 1 (a redelivery): the older one must not win. A
    // marker device behind them in the same partition tells when the view has taken both.
    const marker = uniqueName('marker');
    await publishRegistry(
      registryRecord(deviceId, 2, newest),
      registryRecord(deviceId, 1, {
        residentId: randomUUID(),
        municipalityId: randomUUID(),
        responseCentreId: randomUUID(),
      }),
      registryRecord(marker, 1, newest),
    );
    await eventually(
      async () => expect((await pressButton(marker, newest.responseCentreId)).residentId).toBe(newest.residentId),
      30_000,
    );

    expect(await pressButton(deviceId, newest.responseCentreId)).toMatchObject(newest);
  });

  it('still opens the alarm of a device the registry does not know, without a resident', async () => {
    expect(await pressButton(uniqueName('unknown'))).toMatchObject({
      residentId: null,
      municipalityId: null,
      responseCentreId: null,
    });
  });

  it('dead-letters a registry record it cannot read and takes the records behind it', async () => {
    const deviceId = uniqueName('after-poison');
    const owner = { residentId: randomUUID(), municipalityId: randomUUID(), responseCentreId: randomUUID() };
    await publishRegistry('{"v":1,"deviceId":', registryRecord(deviceId, 1, owner));
    await eventually(
      async () => expect(await pressButton(deviceId, owner.responseCentreId)).toMatchObject(owner),
      30_000,
    );
    const dead = await deadLetters.waitFor(
      (record) => record.key === 'unreadable' && record.value.source === 'response-centre',
    );
    expect(dead.value).toMatchObject({
      reason: 'invalid_json',
      payload: { encoding: 'utf8', data: '{"v":1,"deviceId":' },
    });
  });

  it("shows the operator the resident's details from the newest revision of registry.residents.v1, and dead-letters an unreadable one", async () => {
    const deviceId = uniqueName('resident-device');
    const owner = { residentId: randomUUID(), municipalityId: randomUUID(), responseCentreId: randomUUID() };
    const resident = (revision: number, name: string): RegistryResidentRecord => ({
      v: 1,
      residentId: owner.residentId,
      revision,
      municipalityId: owner.municipalityId,
      homeCareTeamId: null,
      name,
      address: 'Storgata 1, 3015 Drammen',
      keyBox: 'Behind the blue door',
      doorCodeHint: null,
      accessNote: 'Dog in the hall',
      contacts: [
        { name: 'Ola', phone: '+47 900 00 001', relation: 'son' },
        { name: 'Eva', phone: '+47 900 00 002' },
      ],
      careNote: null,
      alarmRules: {},
      deleted: false,
      updatedAt: new Date().toISOString(),
    });
    await producer.send({
      topic: KafkaTopics.registryResidents,
      messages: [
        { key: owner.residentId, value: '{"v":1,"residentId":', partition: 0 },
        { key: owner.residentId, value: encodeRegistryRecord(resident(3, 'Kari Nordmann')), partition: 0 },
        { key: owner.residentId, value: encodeRegistryRecord(resident(2, 'Old Name')), partition: 0 },
      ],
    });
    await publishRegistry(registryRecord(deviceId, 1, owner));
    const alarm = await eventually(async () => {
      const current = (await pressButton(deviceId, owner.responseCentreId)) as AlarmJson & {
        resident: Record<string, unknown> | null;
      };
      expect(current.resident).not.toBeNull();
      return current;
    }, 30_000);
    expect(alarm.resident).toMatchObject({
      name: 'Kari Nordmann',
      keyBox: 'Behind the blue door',
      accessNote: 'Dog in the hall',
      contacts: [{ name: 'Ola' }, { name: 'Eva' }],
    });
    const dead = await deadLetters.waitFor(
      (record) =>
        record.value.source === 'response-centre' &&
        (record.value.origin as { topic?: string }).topic === KafkaTopics.registryResidents,
    );
    expect(dead.value).toMatchObject({ reason: 'invalid_json' });
  });
});
