import { connectAsync, IClientOptions, MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { EmbeddedAedes, newBrokerAccounts, startEmbeddedAedes } from '@welfare/infra';
import { onboard, onboardFleet, OnboardedFleet, registerInStock } from '../../../../test/support/device-fleet';
import { eventually } from '../../../../test/support/eventually';
import { RunningService, startRegistry } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';

/**
 * BROKER_ACCESS=http-hooks against a real aedes broker whose authenticate / authorize hooks ask
 * the registry (what `npm start` runs where Mosquitto is not installed; EMQX calls the same
 * endpoints). Service accounts are the broker's own.
 */
describe('registry broker hooks, with the embedded aedes', () => {
  const hookSecret = randomBytes(24).toString('base64url');
  const accounts = newBrokerAccounts({ anyDevicePublisher: true });
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let broker: EmbeddedAedes;
  let fleet: OnboardedFleet;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('hooks');
    registry = await startRegistry(database.url, { BROKER_ACCESS: 'http-hooks', BROKER_HOOK_SECRET: hookSecret });
    broker = await startEmbeddedAedes(undefined, { accounts, registryUrl: registry.url, hookSecret });
    fleet = await onboardFleet(registry.url, [uniqueName('hook-a'), uniqueName('hook-b')]);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.endAsync(true)));
    await broker?.stop();
    await registry?.close();
    await database?.drop();
  });

  async function signIn(options: IClientOptions): Promise<MqttClient> {
    const client = await connectAsync(broker.url, {
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    clients.push(client);
    return client;
  }
  const asDevice = (deviceId: string, secret: string, options: IClientOptions = {}) =>
    signIn({ clientId: deviceId, username: deviceId, password: secret, ...options });

  it('lets a device in with its secret only, and with its own id as client id', async () => {
    const [a, b] = fleet.devices;
    await expect(asDevice(a.deviceId, 'wrong')).rejects.toThrow(/Not authorized|Bad username or password/);
    await expect(asDevice(a.deviceId, b.secret)).rejects.toThrow(/Not authorized|Bad username or password/);
    await expect(asDevice(a.deviceId, a.secret, { clientId: uniqueName('other') })).rejects.toThrow(
      /Not authorized|Bad username or password/,
    );
    await expect(signIn({ clientId: uniqueName('anon') })).rejects.toThrow(/Not authorized|Bad username or password/);
    await expect(asDevice(a.deviceId, a.secret)).resolves.toBeDefined();
  });

  it("delivers a device's own events to the ingestor account and drops those on another device's topic; refuses other subscriptions", async () => {
    const [a, b] = fleet.devices;
    const ingestor = await signIn({ clientId: uniqueName('ingestor'), ...accounts.ingestor });
    const received: string[] = [];
    ingestor.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    await ingestor.subscribeAsync('devices/+/events', { qos: 1 });

    const forger = await asDevice(a.deviceId, a.secret);
    // aedes closes the connection of a client that publishes where it may not (no PUBACK comes).
    const cut = new Promise<void>((resolve) => forger.once('close', () => resolve()));
    forger.publish(`devices/${b.deviceId}/events`, 'forged', { qos: 1 });
    await cut;
    const honest = await asDevice(b.deviceId, b.secret);
    await honest.publishAsync(`devices/${b.deviceId}/events`, 'own', { qos: 1 });
    await eventually(() => expect(received).toContain(`devices/${b.deviceId}/events own`));
    expect(received.filter((message) => message.includes('forged'))).toEqual([]);

    expect((await honest.subscribeAsync(`devices/${b.deviceId}/commands`, { qos: 1 }))[0].qos).toBe(1);
    await expect(honest.subscribeAsync(`devices/${a.deviceId}/commands`, { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
  });

  it('refuses a retired device and an old secret after rotation', async () => {
    const retired = await onboard(fleet.api, await registerInStock(fleet.api), fleet.residentId);
    await fleet.api.expect(200, 'POST', `/api/devices/${retired.deviceId}/retire`);
    await expect(asDevice(retired.deviceId, retired.secret)).rejects.toThrow(/Not authorized|Bad username or password/);

    const rotated = await onboard(fleet.api, await registerInStock(fleet.api), fleet.residentId);
    const { secret } = await fleet.api.expect<{ secret: string }>(
      200,
      'POST',
      `/api/devices/${rotated.deviceId}/rotate-secret`,
    );
    await expect(asDevice(rotated.deviceId, rotated.secret)).rejects.toThrow(/Not authorized|Bad username or password/);
    await expect(asDevice(rotated.deviceId, secret)).resolves.toBeDefined();
  });

  it('answers the hooks only to a caller with the broker secret', async () => {
    const [a] = fleet.devices;
    const ask = (secret: string | null) =>
      fetch(`${registry.url}/api/broker/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret ? { 'x-broker-secret': secret } : {}) },
        body: JSON.stringify({ clientid: a.deviceId, username: a.deviceId, password: a.secret }),
      });
    expect((await ask(null)).status).toBe(401);
    expect((await ask('not-the-secret-at-all')).status).toBe(401);
    const allowed = await ask(hookSecret);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ result: 'allow', is_superuser: false });
    const authorize = await fetch(`${registry.url}/api/broker/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-broker-secret': hookSecret },
      body: JSON.stringify({
        clientid: a.deviceId,
        username: a.deviceId,
        topic: `devices/${fleet.devices[1].deviceId}/events`,
        action: 'publish',
      }),
    });
    expect(await authorize.json()).toEqual({ result: 'deny' });
  });
});
