import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { eventually } from '../../test/support/eventually';
import { newBrokerAccounts } from './broker-accounts';
import { RunningMosquitto, startMosquittoInstance, untilBridgeCarries } from './mosquitto-instance';

type Login = { username: string; password: string };

/** A subscriber on `url` collecting what arrives on `filter`, in arrival order. */
async function collecting(
  url: string,
  login: Login,
  filter: string,
): Promise<{ client: MqttClient; received: { topic: string; payload: string }[] }> {
  const received: { topic: string; payload: string }[] = [];
  const client = await connectAsync(url, { ...login, reconnectPeriod: 0, clean: true });
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

describe('a Mosquitto instance bridged to another', () => {
  const accounts = newBrokerAccounts({ anyDevicePublisher: true });
  const tester = accounts.anyDevicePublisher!;
  let scratch: string;
  let core: RunningMosquitto;
  let edge: RunningMosquitto;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'mosquitto-bridge-'));
    core = await startMosquittoInstance({ dataDir: join(scratch, 'core'), accounts });
    edge = await startMosquittoInstance({
      dataDir: join(scratch, 'edge'),
      accounts,
      bridge: {
        url: core.url,
        login: tester,
        clientId: 'bridge-spec',
        topics: [
          { pattern: 'devices/+/events', direction: 'out' },
          { pattern: 'welfare-test/bridge/+/commands', direction: 'in' },
        ],
      },
    });
    await untilBridgeCarries(edge.url, core.url, 'devices/probe/events', {
      subscriber: accounts.ingestor,
      publisher: tester,
    });
    await untilBridgeCarries(core.url, edge.url, 'welfare-test/bridge/probe/commands', {
      subscriber: tester,
      publisher: tester,
    });
    // A probe still on its way must not reach a test's subscriber.
    await new Promise((r) => setTimeout(r, 500));
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await edge?.stop();
    await core?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it("carries a device's events to the other broker in the order they were sent", async () => {
    const ingestor = await collecting(core.url, accounts.ingestor, 'devices/+/events');
    clients.push(ingestor.client);
    const device = await connectAsync(edge.url, { ...tester, reconnectPeriod: 0 });
    clients.push(device);
    const sent = Array.from({ length: 50 }, (_, n) => `event-${n}`);
    for (const payload of sent) await device.publishAsync('devices/d-1/events', payload, { qos: 1 });
    await eventually(() =>
      expect(ingestor.received).toEqual(sent.map((payload) => ({ topic: 'devices/d-1/events', payload }))),
    );
  });

  it('carries commands from the other broker, and only the topics it bridges', async () => {
    const unit = await collecting(edge.url, tester, 'welfare-test/#');
    clients.push(unit.client);
    const service = await connectAsync(core.url, { ...tester, reconnectPeriod: 0 });
    clients.push(service);
    // Not bridged, then bridged, on one connection: when the second has crossed, the first would have too.
    await service.publishAsync('welfare-test/elsewhere/commands', 'not bridged', { qos: 1 });
    await service.publishAsync('welfare-test/bridge/unit-1/commands', 'bridged', { qos: 1 });
    await eventually(() => expect(unit.received.length).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 200));
    expect(unit.received).toEqual([{ topic: 'welfare-test/bridge/unit-1/commands', payload: 'bridged' }]);
  });
});
