import { connectAsync, MqttClient } from 'mqtt';
import { deviceCommandsTopic, deviceEventsTopic } from '@welfare/contracts';
import { eventually } from './eventually';

export type ReceivedCommand = Record<string, unknown> & { type: string };

/** A home device over real MQTT: publishes contract events at QoS 1 and records its commands. */
export class SimulatedDevice {
  readonly commands: ReceivedCommand[] = [];

  private constructor(
    readonly deviceId: string,
    private readonly client: MqttClient,
  ) {}

  /** Signs in as the contract says: username = client id = device id, password = the secret the registry issued. */
  static async connect(mqttUrl: string, deviceId: string, secret?: string): Promise<SimulatedDevice> {
    const client = await connectAsync(mqttUrl, {
      clientId: deviceId,
      username: deviceId,
      password: secret,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 500,
    });
    const device = new SimulatedDevice(deviceId, client);
    client.on('message', (_topic, payload) =>
      device.commands.push(JSON.parse(payload.toString('utf8')) as ReceivedCommand),
    );
    await client.subscribeAsync(deviceCommandsTopic(deviceId), { qos: 1 });
    return device;
  }

  /** Resolves when the broker acknowledged the event (PUBACK). */
  async publish(event: Record<string, unknown>): Promise<void> {
    await this.publishRaw(Buffer.from(JSON.stringify(event)));
  }

  async publishRaw(payload: Buffer | string, topic = deviceEventsTopic(this.deviceId)): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  async waitForCommand(matches: (command: ReceivedCommand) => boolean, timeoutMs = 20_000): Promise<ReceivedCommand> {
    return eventually(() => {
      const found = this.commands.find(matches);
      if (!found)
        throw new Error(`device ${this.deviceId} got no matching command; got ${JSON.stringify(this.commands)}`);
      return found;
    }, timeoutMs);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

export function contractEvent(type: string, id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type, time: new Date().toISOString(), ...extra };
}
