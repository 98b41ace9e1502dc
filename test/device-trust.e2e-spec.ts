import { connectAsync, IClientOptions, MqttClient } from 'mqtt';
import { DEVICE_EVENT_TOPICS, KafkaTopics } from '@welfare/contracts';
import { DynsecControl } from '../apps/registry/src/broker-access/dynsec-control';
import { connectAnyDevicePublisher, deviceRolePrefix } from './support/broker-access';
import { BrokerAccessService } from '../apps/registry/src/broker-access/broker-access.service';
import { onboard, onboardFleet, OnboardedDevice, OnboardedFleet, registerInStock } from './support/device-fleet';
import { eventually } from './support/eventually';
import { KafkaTap } from './support/kafka-tap';
import { RunningService, startIngestor, startRegistry } from './support/running-services';
import { contractEvent } from './support/simulated-device';
import { createTestDatabase } from './support/test-database';
import { testInfra, uniqueName } from './support/test-infra';

/**
 * Device trust end to end: the real registry onboards devices and keeps the run's Mosquitto
 * (dynamic-security plugin) current; devices sign in with username = client id = device id and
 * their secret; the ingestor judges events by its view of registry.devices.v1.
 */
describe('device trust: registry, broker and ingestor', () => {
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let ingestor: RunningService;
  let fleet: OnboardedFleet;
  let retiredEarlier: OnboardedDevice;
  let events: KafkaTap;
  let deadLetters: KafkaTap;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    if (testInfra().mqttAccess !== 'mosquitto-dynsec')
      throw new Error(
        `these tests need the project's Mosquitto with its dynamic-security plugin; the run has ${testInfra().mqttAccess}`,
      );
    database = await createTestDatabase('trust');
    registry = await startRegistry(database.url);
    fleet = await onboardFleet(registry.url, [uniqueName('trust-a'), uniqueName('trust-b')]);
    // Retired before the ingestor starts, whose start-up reads the registry topic to its end: its
    // view surely has it. (A retirement while it runs reaches the view within moments; the
    // broker, which shuts the device out at once, is the gate that does not lag.)
    retiredEarlier = await onboard(fleet.api, await registerInStock(fleet.api), fleet.residentId);
    await fleet.api.expect(200, 'POST', `/api/devices/${retiredEarlier.deviceId}/retire`);
    [ingestor, events, deadLetters] = await Promise.all([
      startIngestor(),
      KafkaTap.open(DEVICE_EVENT_TOPICS),
      KafkaTap.open(KafkaTopics.deviceEventsDeadLetter),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.endAsync(true)));
    await Promise.allSettled([events?.close(), deadLetters?.close(), ingestor?.close(), registry?.close()]);
    await database?.drop();
  });

  /** Signs in as a device would; rejects with the broker's refusal. */
  async function signIn(deviceId: string, secret: string, options: IClientOptions = {}): Promise<MqttClient> {
    const client = await connectAsync(testInfra().mqttUrl, {
      clientId: deviceId,
      username: deviceId,
      password: secret,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    clients.push(client);
    return client;
  }

  const closed = (client: MqttClient) =>
    new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
  const onKafka = (tap: KafkaTap, eventId: string) => tap.records.filter((record) => record.raw.includes(eventId));
  const publishEvent = (client: MqttClient, deviceId: string, id: string) =>
    client.publishAsync(`devices/${deviceId}/events`, JSON.stringify(contractEvent('alarm.button', id)), { qos: 1 });

  it("refuses a wrong secret, another device's secret, and a client id that is not the device id", async () => {
    const [a, b] = fleet.devices;
    await expect(signIn(a.deviceId, 'not-the-secret')).rejects.toThrow(/Not authorized/);
    await expect(signIn(a.deviceId, b.secret)).rejects.toThrow(/Not authorized/);
    await expect(signIn(a.deviceId, a.secret, { clientId: uniqueName('other-client') })).rejects.toThrow(
      /Not authorized/,
    );
    await expect(signIn(a.deviceId, a.secret)).resolves.toBeDefined();
  });

  it("drops what a device publishes on another device's topic (nothing reaches Kafka) and refuses its subscription to another device's commands", async () => {
    const [a, b] = fleet.devices;
    const client = await signIn(a.deviceId, a.secret);
    const forged = uniqueName('forged');
    await publishEvent(client, b.deviceId, forged);
    await publishEvent(client, `${b.deviceId}/../${a.deviceId}`, `${forged}-path`);
    // The device's own event, sent after the forged ones on the same connection, arrives: so the
    // forged ones had their chance and were dropped at the broker.
    const own = uniqueName('own');
    await publishEvent(client, a.deviceId, own);
    await events.waitFor((record) => record.key === a.deviceId && record.raw.includes(own));
    expect(onKafka(events, forged)).toEqual([]);
    expect(onKafka(deadLetters, forged)).toEqual([]);

    await expect(client.subscribeAsync(`devices/${b.deviceId}/commands`, { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
    await expect(client.subscribeAsync('devices/+/commands', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(client.subscribeAsync(`devices/${b.deviceId}/events`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(await client.subscribeAsync(`devices/${a.deviceId}/commands`, { qos: 1 })).toEqual([
      expect.objectContaining({ qos: 1 }),
    ]);
  });

  it("cuts a retired device's live session and refuses it from then on; its events that get through anyway are dead-lettered", async () => {
    const device = await onboard(fleet.api, await registerInStock(fleet.api), fleet.residentId);
    const client = await signIn(device.deviceId, device.secret);
    const cut = closed(client);
    await fleet.api.expect(200, 'POST', `/api/devices/${device.deviceId}/retire`);
    await cut;
    await expect(signIn(device.deviceId, device.secret)).rejects.toThrow(/Not authorized/);

    // As if the broker had not heard of a retirement: the ingestor still refuses the event.
    const publisher = await connectAnyDevicePublisher();
    clients.push(publisher);
    const late = uniqueName('late');
    await publishEvent(publisher, retiredEarlier.deviceId, late);
    const letter = await deadLetters.waitFor(
      (record) => record.key === retiredEarlier.deviceId && record.raw.includes(late),
    );
    expect(letter.value).toMatchObject({
      source: 'ingestor',
      reason: 'device_retired',
      deviceId: retiredEarlier.deviceId,
    });
    expect(onKafka(events, late)).toEqual([]);
  });

  it('rotating the secret cuts the session signed in with the old one; the old secret is refused, the new one works', async () => {
    const device = await onboard(fleet.api, await registerInStock(fleet.api), fleet.residentId);
    const client = await signIn(device.deviceId, device.secret);
    const cut = closed(client);
    const { secret } = await fleet.api.expect<{ secret: string }>(
      200,
      'POST',
      `/api/devices/${device.deviceId}/rotate-secret`,
    );
    await cut;
    await expect(signIn(device.deviceId, device.secret)).rejects.toThrow(/Not authorized/);
    const renewed = await signIn(device.deviceId, secret);
    const after = uniqueName('after-rotation');
    await publishEvent(renewed, device.deviceId, after);
    await events.waitFor((record) => record.key === device.deviceId && record.raw.includes(after));
  });

  it('a registry starting up removes broker clients of devices that are not active', async () => {
    const accounts = testInfra().mqttAccounts!;
    const stray: OnboardedDevice = {
      deviceId: await registerInStock(fleet.api),
      secret: 'left-by-a-crash-before-commit',
    };
    // What an onboarding leaves when the registry dies between the broker's confirmation and COMMIT.
    const control = new DynsecControl(testInfra().mqttUrl, accounts.admin, 5000, () => undefined);
    try {
      await control.ready(5000);
      const answers = await control.run([
        {
          command: 'createRole',
          rolename: `${deviceRolePrefix(database.url)}${stray.deviceId}`,
          acls: [{ acltype: 'publishClientSend', topic: `devices/${stray.deviceId}/events`, allow: true }],
        },
        {
          command: 'createClient',
          username: stray.deviceId,
          password: stray.secret,
          roles: [{ rolename: `${deviceRolePrefix(database.url)}${stray.deviceId}` }],
        },
      ]);
      expect(answers.map((answer) => answer.error)).toEqual([undefined, undefined]);
    } finally {
      await control.close();
    }
    await (await signIn(stray.deviceId, stray.secret)).endAsync();

    const second = await startRegistry(database.url);
    try {
      await eventually(() => expect(signIn(stray.deviceId, stray.secret)).rejects.toThrow(/Not authorized/));
      // Active devices keep their access.
      await expect(signIn(fleet.devices[0].deviceId, fleet.devices[0].secret)).resolves.toBeDefined();
    } finally {
      await second.close();
    }
  });

  it("a registry of another environment on the same broker leaves this registry's devices alone", async () => {
    const elsewhere = await createTestDatabase('trust_elsewhere');
    const other = await startRegistry(elsewhere.url);
    try {
      const { removed } = await other.app.get(BrokerAccessService).reconcile();
      expect(removed).not.toContain(fleet.devices[0].deviceId);
      await (await signIn(fleet.devices[0].deviceId, fleet.devices[0].secret)).endAsync();
    } finally {
      await other.close();
      await elsewhere.drop();
    }
  });
});
