/**
 * Simulated home devices: one MQTT connection each (client id = device id, as the contract
 * says), publishing events at QoS 1 and listening for commands on their own topic.
 */
import { performance } from 'node:perf_hooks';
import { connectAsync, MqttClient } from 'mqtt';
import { deviceCommandsTopic, deviceEventsTopic } from '@welfare/contracts';

export type CommandListener = (command: Record<string, unknown>, receivedAt: number) => void;

interface Device {
  client: MqttClient;
  eventsTopic: string;
}

/** Connections opened at once: a burst of hundreds of CONNECTs only slows the broker down. */
const CONNECT_CONCURRENCY = 20;

export class DeviceFleet {
  /** Publishes that got no PUBACK from the broker. */
  publishErrors = 0;
  private nextDevice = 0;

  private constructor(private readonly devices: Device[]) {}

  /** `secrets`: each device's secret from the registry (none on a broker that lets anyone in). */
  static async connect(
    mqttUrl: string,
    deviceIds: string[],
    onCommand: CommandListener,
    secrets: Map<string, string> = new Map(),
  ): Promise<DeviceFleet> {
    const fleet = new DeviceFleet([]);
    try {
      for (let i = 0; i < deviceIds.length; i += CONNECT_CONCURRENCY) {
        const batch = deviceIds.slice(i, i + CONNECT_CONCURRENCY);
        const settled = await Promise.allSettled(
          batch.map((id) => connectDevice(mqttUrl, id, onCommand, secrets.get(id))),
        );
        for (const outcome of settled) if (outcome.status === 'fulfilled') fleet.devices.push(outcome.value);
        const failed = settled.find((outcome) => outcome.status === 'rejected');
        if (failed) throw failed.reason;
      }
      return fleet;
    } catch (error) {
      await fleet.close(); // no half-connected fleet keeps the process alive
      throw error;
    }
  }

  /** Devices whose connection is up. */
  get connected(): number {
    return this.devices.filter((device) => device.client.connected).length;
  }

  /** Publishes on the next device in turn (round robin over the fleet). */
  publishNext(payload: string): void {
    const device = this.devices[this.nextDevice];
    this.nextDevice = (this.nextDevice + 1) % this.devices.length;
    device.client.publish(device.eventsTopic, payload, { qos: 1 }, (error) => {
      if (error) this.publishErrors++;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((device) => device.client.endAsync(true).catch(() => undefined)));
  }
}

async function connectDevice(
  mqttUrl: string,
  deviceId: string,
  onCommand: CommandListener,
  secret: string | undefined,
): Promise<Device> {
  const client = await connectAsync(mqttUrl, {
    clientId: deviceId,
    username: secret ? deviceId : undefined,
    password: secret,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    keepalive: 60,
  });
  client.on('message', (_topic, payload) => {
    const receivedAt = performance.now();
    try {
      onCommand(JSON.parse(payload.toString('utf8')) as Record<string, unknown>, receivedAt);
    } catch {
      // not JSON: not a command this benchmark waits for
    }
  });
  await client.subscribeAsync(deviceCommandsTopic(deviceId), { qos: 1 });
  return { client, eventsTopic: deviceEventsTopic(deviceId) };
}
