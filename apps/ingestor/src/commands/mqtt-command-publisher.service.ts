import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connectAsync, MqttClient } from 'mqtt';
import { withTimeout } from '@welfare/platform';
import { IngestorConfig } from '../ingestor.config';
import { disableNagle } from '../mqtt/disable-nagle';

const PUBLISH_TIMEOUT_MS = 15_000;

/**
 * The connection that publishes commands to devices, separate from the one that takes device
 * events in. mqtt.js handles a connection's incoming packets one at a time, so on a shared
 * connection a command's PUBACK waited behind every queued device event (each held for a
 * Kafka round trip): after a backlog, devices heard "alarm received" a few times a second.
 *
 * A clean session: what is not yet acknowledged is still uncommitted on Kafka and comes again.
 */
@Injectable()
export class MqttCommandPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MqttCommandPublisher.name);
  private client: MqttClient | null = null;

  constructor(private readonly config: IngestorConfig) {}

  get isConnected(): boolean {
    return this.client?.connected ?? false;
  }

  async onModuleInit(): Promise<void> {
    this.client = await connectAsync(this.config.MQTT_URL, {
      clientId: `${this.config.MQTT_CLIENT_ID}-commands`,
      clean: true,
      protocolVersion: 4,
      keepalive: this.config.MQTT_KEEPALIVE_SECONDS,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      username: this.config.MQTT_USERNAME,
      password: this.config.MQTT_PASSWORD,
    });
    disableNagle(this.client);
    this.client.on('connect', () => disableNagle(this.client!));
    this.client.on('error', (error) => this.logger.error({ err: error }, 'MQTT command connection error'));
  }

  /** Resolves when the broker acknowledged the command (PUBACK). */
  async publish(topic: string, payload: string): Promise<void> {
    if (!this.client) throw new Error('MQTT command connection not started');
    await withTimeout(
      this.client.publishAsync(topic, payload, { qos: 1 }),
      PUBLISH_TIMEOUT_MS,
      `MQTT broker did not acknowledge within ${PUBLISH_TIMEOUT_MS} ms`,
    );
  }

  /**
   * After every `beforeApplicationShutdown`, so the command consumer (stopped in
   * KafkaConsumersService's) has finished its chunk. Closed beside it, the chunk's publishes
   * failed for a closing connection and were retried until the consumer stopped.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.client?.endAsync(false);
  }
}
