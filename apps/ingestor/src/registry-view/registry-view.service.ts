import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeRegistryDeviceRecord, KafkaTopics } from '@welfare/contracts';
import { KAFKA_CLIENT, TopicView } from '@welfare/kafka';
import { InjectMetric } from '@welfare/platform';
import { Gauge } from 'prom-client';
import { IngestorConfig } from '../ingestor.config';
import { DeviceStates } from './device-states';

export type DeviceVerdict =
  | { trusted: true }
  | { trusted: false; reason: 'unknown_device' | 'device_in_stock' | 'device_retired'; detail: string };

/** Thrown when the view could not confirm it has read the topic to its end in time: the message waits. */
export class RegistryViewBehindError extends Error {
  override name = 'RegistryViewBehindError';
}

/**
 * The ingestor's local view of the registry's devices (registry.devices.v1, compacted), kept in
 * memory and rebuilt from the beginning at every start (a TopicView of libs/kafka), so no device
 * is looked up at the registry per message. Start-up waits until the view has read up to the
 * topic's end as it was then (MQTT intake starts only after that), or good devices' alarms would
 * be refused as unknown.
 */
@Injectable()
export class RegistryViewService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryViewService.name);
  private readonly states = new DeviceStates();
  private readonly view: TopicView;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    private readonly config: IngestorConfig,
    @InjectMetric('registry_view_devices') size: Gauge,
  ) {
    this.view = new TopicView(kafka, {
      topic: KafkaTopics.registryDevices,
      groupPrefix: `${config.KAFKA_CONSUMER_GROUP}.registry-view`,
      apply: (message, partition) => this.apply(message, partition),
      afterBatch: () => size.set(this.states.size),
      behind: (message) => new RegistryViewBehindError(message),
      logger: this.logger,
    });
  }

  async onModuleInit(): Promise<void> {
    const started = Date.now();
    await this.view.start(this.config.REGISTRY_VIEW_STARTUP_TIMEOUT_MS);
    this.logger.log(
      { devices: this.states.size, ms: Date.now() - started },
      'registry view caught up; device events may flow',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }

  /** Null while the view's consumer runs; why it stopped for good otherwise (liveness fails). */
  get failure(): string | null {
    return this.view.failure;
  }

  /** Whether the view knows this device as active now (no waiting): the common case, judged at once. */
  isActive(deviceId: string): boolean {
    return this.states.get(deviceId)?.state === 'active';
  }

  /**
   * Whether events of this device, received at `receivedAt` (ms), may go on: active devices
   * yes. A device the view does not know as active is judged only after the view has read
   * everything the registry had written by then (bounded by REGISTRY_VIEW_CATCH_UP_TIMEOUT_MS),
   * so a device onboarded a moment ago is not refused for the view's lag. Retired is final.
   */
  async verdict(deviceId: string, receivedAt: number): Promise<DeviceVerdict> {
    const known = this.states.get(deviceId);
    if (known?.state === 'active') return { trusted: true };
    if (known?.state !== 'retired')
      await this.view.readToEndSince(receivedAt, this.config.REGISTRY_VIEW_CATCH_UP_TIMEOUT_MS);
    const now = this.states.get(deviceId);
    if (!now)
      return { trusted: false, reason: 'unknown_device', detail: `device "${deviceId}" is not in the registry` };
    if (now.state === 'retired')
      return {
        trusted: false,
        reason: 'device_retired',
        detail: `device "${deviceId}" is retired (registry revision ${now.revision})`,
      };
    if (now.state === 'in_stock')
      return {
        trusted: false,
        reason: 'device_in_stock',
        detail: `device "${deviceId}" is in stock, not onboarded (registry revision ${now.revision})`,
      };
    return { trusted: true };
  }

  private apply(message: KafkaMessage, partition: number): void {
    const record = decodeRegistryDeviceRecord(message.value);
    // The registry is the only writer; a record that does not decode is logged and passed over.
    if ('reason' in record)
      this.logger.error({ partition, offset: message.offset, ...record }, 'registry record not understood; skipped');
    else this.states.apply(record);
  }
}
