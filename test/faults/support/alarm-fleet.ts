import { connectAsync, MqttClient } from 'mqtt';
import { deviceCommandsTopic, deviceEventsTopic } from '@welfare/contracts';

/** The presses that open care alarms (priority 1); care alarms correlate per resident and type. */
export type PressType = 'alarm.button' | 'fall.detected';

export interface SentAlarm {
  deviceId: string;
  eventId: string;
  type: PressType;
  /** When the device raised it (ms since epoch). */
  raisedAt: number;
  /** When the broker acknowledged it (PUBACK) last. */
  ackedAt?: number;
}

export interface SentTelemetry {
  deviceId: string;
  eventId: string;
  type: 'heartbeat' | 'gps.position';
}

/** One `alarm.received` command as a device got it on devices/{id}/commands. */
export interface AlarmReceived {
  ref: string;
  alarmId: string;
  at: number;
}

export interface FleetDevice {
  deviceId: string;
  secret: string;
}

/**
 * Safety alarms over real MQTT that keep raising alarms at a steady rate, whatever happens to
 * the system behind the broker. Like the devices in homes, each keeps a QoS 1 event until the
 * broker acknowledged it and sends it again after a reconnect (mqtt.js's outgoing store), and
 * listens on its own commands topic for the backend's `alarm.received` (a persistent session:
 * commands sent while it was disconnected are kept for it by the broker).
 *
 * Which care alarm a press raises is the fleet's current press type (setPressType): a test
 * switches it as a fault begins, so every device's first press of the new type, which opens a
 * new alarm for its resident, travels while the fault is on.
 */
export class AlarmFleet {
  readonly sent: SentAlarm[] = [];
  readonly telemetry: SentTelemetry[] = [];
  /** Publishes mqtt.js gave up on (it does not while reconnecting): each one is a lost event. */
  readonly failedPublishes: string[] = [];
  /** Every `alarm.received` each device got, by the event id it names (a redelivery sends it again). */
  private readonly received = new Map<string, AlarmReceived[]>();
  /** Commands that were not JSON or named no ref: none is expected. */
  readonly malformedCommands: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private telemetryTimer: NodeJS.Timeout | null = null;
  /** When the last flood stopped (ms since epoch). */
  telemetryStoppedAt = 0;
  private pending = new Set<Promise<void>>();
  private sequence = 0;
  private telemetrySequence = 0;
  private pressType: PressType = 'alarm.button';

  private constructor(
    private readonly clients: MqttClient[],
    readonly deviceIds: string[],
  ) {
    clients.forEach((client, i) =>
      client.on('message', (topic, payload) => this.command(deviceIds[i], topic, payload.toString('utf8'))),
    );
  }

  /**
   * Each device signs in with the secret the registry issued it (username = client id = device
   * id) and subscribes to its own commands topic at QoS 1.
   */
  static async connect(mqttUrl: string, devices: FleetDevice[]): Promise<AlarmFleet> {
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
    const fleet = new AlarmFleet(
      clients,
      devices.map((device) => device.deviceId),
    );
    await Promise.all(
      clients.map(async (client, i) => {
        const granted = await client.subscribeAsync(deviceCommandsTopic(devices[i].deviceId), { qos: 1 });
        if (granted[0]?.qos !== 1)
          throw new Error(`${devices[i].deviceId} may not subscribe to its commands: ${JSON.stringify(granted)}`);
      }),
    );
    return fleet;
  }

  /** Raises `perSecond` alarms a second across the fleet (round robin), labelled with `run`, until stop(). */
  start(run: string, perSecond: number, type: PressType = 'alarm.button'): void {
    if (this.timer) throw new Error('fleet already publishing');
    this.pressType = type;
    this.timer = every(100, perSecond, () => this.raise(run));
  }

  /** From now on presses raise `type`. */
  setPressType(type: PressType): void {
    this.pressType = type;
  }

  /** Stops raising new alarms; the ones in flight are still delivered (see drained()). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopTelemetry();
  }

  /** A flood of heartbeats and positions, `perSecond` across the fleet, labelled `${run}-t`, until stopTelemetry(). */
  startTelemetry(run: string, perSecond: number): void {
    if (this.telemetryTimer) throw new Error('fleet already flooding');
    this.telemetryTimer = every(20, perSecond, () => this.report(run));
  }

  stopTelemetry(): void {
    if (!this.telemetryTimer) return;
    clearInterval(this.telemetryTimer);
    this.telemetryTimer = null;
    this.telemetryStoppedAt = Date.now();
  }

  /** Publishes alarms the broker has already acknowledged once, as a device unsure of its PUBACK does. */
  async resend(alarms: SentAlarm[]): Promise<void> {
    await Promise.all(alarms.map((alarm) => this.publish(alarm)));
  }

  /** Every device's connection drops at once and all reconnect together. */
  reconnectStorm(): void {
    for (const client of this.clients) client.stream.destroy();
  }

  /** Resolves once the broker acknowledged every event published so far. */
  async drained(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  sentIn(run: string): SentAlarm[] {
    return this.sent.filter((alarm) => alarm.eventId.startsWith(`${run}-`));
  }

  telemetryIn(run: string): SentTelemetry[] {
    return this.telemetry.filter((event) => event.eventId.startsWith(`${run}-t`));
  }

  /** The `alarm.received` commands the alarm's device got for it (ref = its event id). */
  receivedFor(alarm: SentAlarm): AlarmReceived[] {
    return this.received.get(`${alarm.deviceId}/${alarm.eventId}`) ?? [];
  }

  async close(): Promise<void> {
    this.stop();
    await Promise.allSettled(this.clients.map((client) => client.endAsync(true)));
  }

  private command(deviceId: string, topic: string, text: string): void {
    let command: { type?: unknown; ref?: unknown; alarmId?: unknown };
    try {
      command = JSON.parse(text) as typeof command;
    } catch {
      this.malformedCommands.push(`${topic}: ${text}`);
      return;
    }
    if (topic !== deviceCommandsTopic(deviceId)) this.malformedCommands.push(`${deviceId} got ${topic}: ${text}`);
    if (command.type !== 'alarm.received') return;
    if (typeof command.ref !== 'string' || typeof command.alarmId !== 'string') {
      this.malformedCommands.push(`${topic}: ${text}`);
      return;
    }
    const key = `${deviceId}/${command.ref}`;
    this.received.set(key, [
      ...(this.received.get(key) ?? []),
      { ref: command.ref, alarmId: command.alarmId, at: Date.now() },
    ]);
  }

  private raise(run: string): void {
    const index = this.sequence++;
    const alarm: SentAlarm = {
      deviceId: this.deviceIds[index % this.deviceIds.length],
      eventId: `${run}-${index}`,
      type: this.pressType,
      raisedAt: Date.now(),
    };
    this.sent.push(alarm);
    void this.publish(alarm);
  }

  private report(run: string): void {
    const index = this.telemetrySequence++;
    const deviceId = this.deviceIds[index % this.deviceIds.length];
    const type = Math.floor(index / this.deviceIds.length) % 2 === 0 ? 'heartbeat' : 'gps.position';
    const eventId = `${run}-t${index}`;
    this.telemetry.push({ deviceId, eventId, type });
    const extra =
      type === 'heartbeat' ? { battery: 80 } : { lat: 59.74 + (index % 100) / 1e4, lon: 10.2, accuracy: 12 };
    void this.track(eventId, deviceId, { id: eventId, type, time: new Date().toISOString(), ...extra });
  }

  private publish(alarm: SentAlarm): Promise<void> {
    const event = { id: alarm.eventId, type: alarm.type, time: new Date().toISOString() };
    return this.track(alarm.eventId, alarm.deviceId, event, () => void (alarm.ackedAt = Date.now()));
  }

  private track(eventId: string, deviceId: string, event: object, onAck: () => void = () => undefined): Promise<void> {
    const client = this.clients[this.deviceIds.indexOf(deviceId)];
    const acked = client.publishAsync(deviceEventsTopic(deviceId), JSON.stringify(event), { qos: 1 });
    const settled = acked.then(onAck, (error: Error) => void this.failedPublishes.push(`${eventId}: ${error.message}`));
    this.pending.add(settled);
    return settled.finally(() => this.pending.delete(settled));
  }
}

/** Calls `action` `perSecond` times a second, in ticks of `tickMs`, until the timer is cleared. */
function every(tickMs: number, perSecond: number, action: () => void): NodeJS.Timeout {
  let owed = 0;
  return setInterval(() => {
    owed += (perSecond * tickMs) / 1000;
    for (; owed >= 1; owed--) action();
  }, tickMs);
}
