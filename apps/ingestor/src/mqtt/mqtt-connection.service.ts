import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { connect, DoneCallback, IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { DEVICE_EVENTS_TOPIC_FILTER } from '@welfare/contracts';
import { withTimeout } from '@welfare/platform';
import { IngestorConfig } from '../ingestor.config';
import { DeviceMessageIngestService } from '../ingest/device-message-ingest.service';
import { disableNagle } from './disable-nagle';

const DISCONNECT_TIMEOUT_MS = 5000;

/**
 * The ingestor's one MQTT connection: a persistent session (fixed client id, clean=false) with
 * a QoS 1 subscription to every device's events.
 *
 * mqtt.js sends the PUBACK of a QoS 1 message when the callback of `handleMessage` is called,
 * and hands over the next message only after that. We call it only once Kafka has the event
 * (or its dead-letter record). If the process dies first, or Kafka stays away until the
 * connection drops, the broker still holds the message and delivers it again.
 */
@Injectable()
export class MqttConnectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MqttConnectionService.name);
  private client: MqttClient | null = null;
  private accepting = true;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly config: IngestorConfig,
    private readonly ingest: DeviceMessageIngestService,
  ) {}

  get isConnected(): boolean {
    return this.client?.connected ?? false;
  }

  get mqttClient(): MqttClient {
    if (!this.client) throw new Error('MQTT client not started');
    return this.client;
  }

  onApplicationBootstrap(): Promise<void> {
    const client = connect(this.config.MQTT_URL, this.clientOptions());
    this.client = client;
    // Attached before connecting: queued messages of the persistent session arrive right after CONNACK.
    client.handleMessage = (packet, callback) => this.onPacket(packet, callback);
    client.on('connect', (connack) => this.onConnect(connack.sessionPresent));
    client.on('close', () => this.onClose());
    client.on('error', (error) => this.logger.error({ err: error }, 'MQTT error'));
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.connect();
    });
  }

  /** Stops taking messages, finishes the one in hand (and its PUBACK), then disconnects cleanly. */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    await this.inFlight;
    await this.disconnect();
    this.logger.log('MQTT intake stopped; unacknowledged messages stay with the broker');
  }

  /**
   * A clean DISCONNECT waits for the broker's outstanding acknowledgements. One that never comes
   * (a connection stalled behind a message, a broker gone) must not hold the shutdown up: then
   * the socket is cut, which loses nothing the broker does not still hold.
   */
  private async disconnect(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await withTimeout(client.endAsync(false), DISCONNECT_TIMEOUT_MS, 'MQTT broker did not take the DISCONNECT');
    } catch (error) {
      this.logger.warn({ err: error }, 'cutting the MQTT connection');
      await client.endAsync(true);
    }
  }

  private clientOptions(): IClientOptions {
    return {
      clientId: this.config.MQTT_CLIENT_ID,
      clean: false,
      protocolVersion: 4,
      keepalive: this.config.MQTT_KEEPALIVE_SECONDS,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      manualConnect: true,
      username: this.config.MQTT_USERNAME,
      password: this.config.MQTT_PASSWORD,
    };
  }

  private onConnect(sessionPresent: boolean): void {
    disableNagle(this.mqttClient);
    this.logger.log({ sessionPresent }, 'MQTT connected');
    const filter = this.config.MQTT_SHARED_GROUP
      ? `$share/${this.config.MQTT_SHARED_GROUP}/${DEVICE_EVENTS_TOPIC_FILTER}`
      : DEVICE_EVENTS_TOPIC_FILTER;
    this.client?.subscribe(filter, { qos: 1 }, (error) => {
      if (error) this.logger.error({ err: error, filter }, 'MQTT subscribe failed');
    });
  }

  private onClose(): void {
    // The broker keeps what this connection did not acknowledge and delivers it again.
    if (this.accepting) this.logger.warn('MQTT connection closed; reconnecting');
  }

  private onPacket(packet: IPublishPacket, callback: DoneCallback): void {
    // Shutting down: leave the message unacknowledged; the broker redelivers it to the next session.
    if (!this.accepting) return;
    // The connection is known by its socket: mqtt.js makes a new one for every reconnect, and
    // hands over a resumed session's queued messages before it emits 'connect'.
    const work = this.handOver(packet, this.mqttClient.stream).then(
      (handedOver) => (handedOver ? callback() : undefined),
      (error: unknown) => callback(error as Error),
    );
    this.inFlight = work.finally(() => (this.inFlight = null));
  }

  /**
   * Retries until Kafka has the message, for as long as the connection it came on lives.
   * Returns false when the message was given up because that connection is gone.
   */
  private async handOver(packet: IPublishPacket, connection: MqttClient['stream']): Promise<boolean> {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const alive = () => this.client?.stream === connection && !connection.destroyed;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ingest.ingest(packet.topic, payload);
        return alive();
      } catch (error) {
        this.logger.warn(
          { err: error, topic: packet.topic, attempt },
          'could not hand device message to Kafka; retrying',
        );
        if (!alive() || !this.accepting) return false;
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** Math.min(attempt, 5), 5000)));
      }
    }
  }
}
