import { connectAsync, MqttClient } from 'mqtt';
import { deviceEventsTopic } from '@welfare/contracts';

export interface SentAlarm {
  deviceId: string;
  eventId: string;
  /** When the device raised it (ms since epoch). */
  raisedAt: number;
  /** When the broker acknowledged it (PUBACK) last. */
  ackedAt?: number;
}

/**
 * Safety alarms over real MQTT that keep raising alarms at a steady rate, whatever happens to
 * the system behind the broker. Like the devices in homes, each keeps a QoS 1 alarm until the
 * broker acknowledged it and sends it again after a reconnect (mqtt.js's outgoing store).
 */
export class AlarmFleet {
  readonly sent: SentAlarm[] = [];
  /** Publishes mqtt.js gave up on (it does not while reconnecting): each one is a lost alarm. */
  readonly failedPublishes: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pending = new Set<Promise<void>>();
  private sequence = 0;

  private constructor(
    private readonly clients: MqttClient[],
    readonly deviceIds: string[],
  ) {}

  /** Each device signs in with the secret the registry issued it (username = client id = device id). */
  static async connect(mqttUrl: string, devices: { deviceId: string; secret: string }[]): Promise<AlarmFleet> {
    const clients = await Promise.all(
      devices.map(({ deviceId, secret }) =>
        connectAsync(mqttUrl, {
          clientId: deviceId,
          username: deviceId,
          password: secret,
          clean: false,
          protocolVersion: 4,
          reconnectPeriod: 300,
          connectTimeout: 5000,
        }),
      ),
    );
    return new AlarmFleet(
      clients,
      devices.map((device) => device.deviceId),
    );
  }

  /** Raises `perSecond` alarms a second across the fleet, labelled with `run`, until stop(). */
  start(run: string, perSecond: number): void {
    if (this.timer) throw new Error('fleet already publishing');
    const tickMs = 100;
    let owed = 0;
    this.timer = setInterval(() => {
      owed += (perSecond * tickMs) / 1000;
      for (; owed >= 1; owed--) this.raise(run);
    }, tickMs);
  }

  /** Stops raising new alarms; the ones in flight are still delivered (see drained()). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Publishes alarms the broker has already acknowledged once, as a device unsure of its PUBACK does. */
  async resend(alarms: SentAlarm[]): Promise<void> {
    await Promise.all(alarms.map((alarm) => this.publish(alarm)));
  }

  /** Every device's connection drops at once and all reconnect together. */
  reconnectStorm(): void {
    for (const client of this.clients) client.stream.destroy();
  }

  /** Resolves once the broker acknowledged every alarm raised so far. */
  async drained(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  sentIn(run: string): SentAlarm[] {
    return this.sent.filter((alarm) => alarm.eventId.startsWith(`${run}-`));
  }

  async close(): Promise<void> {
    this.stop();
    await Promise.allSettled(this.clients.map((client) => client.endAsync(true)));
  }

  private raise(run: string): void {
    const index = this.sequence++;
    const alarm = {
      deviceId: this.deviceIds[index % this.deviceIds.length],
      eventId: `${run}-${index}`,
      raisedAt: Date.now(),
    };
    this.sent.push(alarm);
    void this.publish(alarm);
  }

  private publish(alarm: SentAlarm): Promise<unknown> {
    const client = this.clients[this.deviceIds.indexOf(alarm.deviceId)];
    const type = Number(alarm.eventId.split('-').pop()) % 2 === 0 ? 'alarm.button' : 'fall.detected';
    const event = { id: alarm.eventId, type, time: new Date().toISOString() };
    const acked = client.publishAsync(deviceEventsTopic(alarm.deviceId), JSON.stringify(event), { qos: 1 });
    const settled = acked.then(
      () => void (alarm.ackedAt = Date.now()),
      (error: Error) => void this.failedPublishes.push(`${alarm.eventId}: ${error.message}`),
    );
    this.pending.add(settled);
    return settled.finally(() => this.pending.delete(settled));
  }
}
