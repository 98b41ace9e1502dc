import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DEVICE_EVENTS_TOPIC_FILTER } from '@welfare/contracts';
import { InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { IngestorConfig } from '../ingestor.config';
import { DeviceMessageIngestService } from '../ingest/device-message-ingest.service';
import { HandOverAbandonedError } from '@welfare/kafka';
import { IntakeMessage, PipelinedMqttIntake } from './pipelined-mqtt-intake';

/**
 * Device events in: every message from the intake connection goes to the ingest pipeline as it
 * arrives, and is acknowledged to the broker (PUBACK, in arrival order) only once Kafka has its
 * record or its dead-letter record. If the process dies first, or Kafka stays away until the
 * connection drops, the broker still holds the message and delivers it again.
 */
@Injectable()
export class MqttIntakeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MqttIntakeService.name);
  private intake: PipelinedMqttIntake | null = null;
  private accepting = true;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly config: IngestorConfig,
    private readonly ingest: DeviceMessageIngestService,
    @InjectMetric('mqtt_intake_redelivered_total') private readonly redelivered: Counter,
  ) {}

  get isConnected(): boolean {
    return this.intake?.isConnected ?? false;
  }

  /** Messages taken in on the current connection whose PUBACK has not been written yet. */
  get unacknowledged(): number {
    return this.intake?.unacknowledged ?? 0;
  }

  /** Cuts the intake's socket without DISCONNECT, as a crash would (tests); it connects again. */
  cutConnection(): void {
    this.intake?.cutConnection();
  }

  async onApplicationBootstrap(): Promise<void> {
    const filter = this.config.MQTT_SHARED_GROUP
      ? `$share/${this.config.MQTT_SHARED_GROUP}/${DEVICE_EVENTS_TOPIC_FILTER}`
      : DEVICE_EVENTS_TOPIC_FILTER;
    this.intake = new PipelinedMqttIntake({
      url: this.config.MQTT_URL,
      clientId: this.config.MQTT_CLIENT_ID,
      username: this.config.MQTT_USERNAME,
      password: this.config.MQTT_PASSWORD,
      keepaliveSeconds: this.config.MQTT_KEEPALIVE_SECONDS,
      receiveMaximum: this.config.MQTT_RECEIVE_MAXIMUM,
      topicFilter: filter,
      onMessage: (message) => this.onMessage(message),
    });
    await this.intake.start();
  }

  /** Stops taking messages, lets those in hand reach Kafka (or be given up) and be acknowledged, then disconnects. */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.inFlight]);
    await this.intake?.stop();
    this.logger.log('MQTT intake stopped; unacknowledged messages stay with the broker');
  }

  private onMessage(message: IntakeMessage): void {
    // Shutting down: leave the message unacknowledged; the broker redelivers it to the next session.
    if (!this.accepting) return;
    if (message.redelivered) this.redelivered.inc();
    const work = this.ingest
      .ingest(message.topic, message.payload, () => message.alive() && this.accepting)
      .then(
        () => message.acknowledge(),
        (error: unknown) => {
          if (error instanceof HandOverAbandonedError || !message.alive() || !this.accepting) return;
          // Not given up for a lost connection: a fault of ours. Its PUBACK can never go, and
          // every later one waits behind it, so start the connection afresh: the broker
          // delivers what was not acknowledged again.
          this.logger.error({ err: error, topic: message.topic }, 'device message could not be handled; reconnecting');
          this.intake?.cutConnection();
        },
      );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}
