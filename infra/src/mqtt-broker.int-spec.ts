import { connect, connectAsync, IClientOptions, MqttClient } from 'mqtt';
import { randomUUID } from 'node:crypto';
import { freePort } from './free-port';
import { EmbeddedAedes, ensureMqttBroker, startEmbeddedAedes } from './mqtt-broker';

interface Received {
  topic: string;
  payload: string;
  qos: number;
}

/** Connects with listeners attached before CONNECT, so queued messages can't slip past them. */
function connectCollecting(
  url: string,
  opts: IClientOptions,
): Promise<{ client: MqttClient; received: Received[]; sessionPresent: boolean }> {
  const received: Received[] = [];
  const client = connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  client.on('message', (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString(), qos: packet.qos }),
  );
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, received, sessionPresent: connack.sessionPresent }));
    client.once('error', reject);
  });
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded aedes', () => {
  let broker: EmbeddedAedes;

  beforeAll(async () => {
    broker = await startEmbeddedAedes();
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('listens on loopback in its own process', () => {
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.pid).not.toBe(process.pid);
    expect(isAlive(broker.pid)).toBe(true);
  });

  it('round-trips QoS 1 and queues for an offline persistent session', async () => {
    const topic = `infra/test/${randomUUID()}`;
    const clientId = `sub-${randomUUID().slice(0, 8)}`;

    const first = await connectCollecting(broker.url, { clientId, clean: false });
    const granted = await first.client.subscribeAsync(topic, { qos: 1 });
    expect(granted).toEqual([expect.objectContaining({ topic, qos: 1 })]);

    const publisher = await connectAsync(broker.url, { reconnectPeriod: 0, clean: true });
    // Live delivery first.
    await publisher.publishAsync(topic, 'live', { qos: 1 });
    await until(() => first.received.length === 1);
    expect(first.received[0]).toEqual({ topic, payload: 'live', qos: 1 });
    await first.client.endAsync();

    // Published while the subscriber is offline: publishAsync resolves on the broker's PUBACK.
    for (const n of [1, 2, 3]) await publisher.publishAsync(topic, `offline-${n}`, { qos: 1 });
    await publisher.endAsync();

    const second = await connectCollecting(broker.url, { clientId, clean: false });
    expect(second.sessionPresent).toBe(true);
    await until(() => second.received.length === 3);
    expect(second.received.map((m) => m.payload)).toEqual(['offline-1', 'offline-2', 'offline-3']);
    expect(second.received.every((m) => m.qos === 1)).toBe(true);
    await second.client.endAsync();
  });

  it('stop() ends the broker process', async () => {
    const extra = await startEmbeddedAedes();
    await extra.stop();
    expect(isAlive(extra.pid)).toBe(false);
    await expect(connectAsync(extra.url, { reconnectPeriod: 0, connectTimeout: 1000 }, false)).rejects.toThrow();
  });
});

describe('ensureMqttBroker', () => {
  it('falls back to embedded aedes on a port where nothing answers', async () => {
    const port = await freePort();
    const mqtt = await ensureMqttBroker({ port });
    try {
      expect(mqtt).toMatchObject({ kind: 'embedded-aedes', url: `mqtt://127.0.0.1:${port}` });
      const client = await connectAsync(mqtt.url, { reconnectPeriod: 0 }, false);
      await client.endAsync();
    } finally {
      await mqtt.stop();
    }
  });

  it('gives a broker that answers on the default port', async () => {
    const logs: string[] = [];
    const mqtt = await ensureMqttBroker({ log: (m) => logs.push(m) });
    try {
      expect(['local-service', 'embedded-aedes']).toContain(mqtt.kind);
      expect(logs.length).toBeGreaterThan(0);
      const client = await connectAsync(mqtt.url, { reconnectPeriod: 0 }, false);
      await client.endAsync();
    } finally {
      await mqtt.stop();
    }
  });
});
