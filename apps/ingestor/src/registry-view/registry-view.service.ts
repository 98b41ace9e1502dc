import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { decodeRegistryDeviceRecord, KafkaTopics } from '@welfare/contracts';
import { KAFKA_CLIENT } from '@welfare/kafka';
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

interface CatchUp {
  /** When the topic's end offsets were asked for: the view then knows everything written before. */
  startedAt: number;
  done: Promise<void>;
}

/**
 * The ingestor's local view of the registry's devices (registry.devices.v1, compacted), kept in
 * memory and rebuilt from the beginning at every start, so no device is looked up at the
 * registry per message.
 *
 * A group id of its own per process start: the view must read the whole topic every time, and
 * nothing is committed. Start-up waits until the view has read up to the topic's end as it was
 * then (MQTT intake starts only after that), or good devices' alarms would be refused as unknown.
 */
@Injectable()
export class RegistryViewService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryViewService.name);
  private readonly states = new DeviceStates();
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, number>();
  private readonly waiters = new Set<() => void>();
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private catchUp: CatchUp | null = null;
  private crashed: string | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly config: IngestorConfig,
    @InjectMetric('registry_view_devices') private readonly size: Gauge,
  ) {}

  async onModuleInit(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const consumer = this.kafka.consumer({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}.registry-view.${randomUUID()}`,
      allowAutoTopicCreation: false,
      // A stop waits for the fetch in progress; on a quiet topic that is the whole wait (default 5 s).
      maxWaitTimeInMs: 500,
      retry: { retries: 15, initialRetryTime: 300, maxRetryTime: 2000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) this.logger.warn({ err: payload.error, restart: true }, 'registry view consumer restarting');
      else this.logger.error({ err: payload.error, restart: false }, 'registry view consumer crashed');
      if (!payload.restart) this.crashed = `${payload.error.name}: ${payload.error.message}`;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: KafkaTopics.registryDevices, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (batch) => this.onBatch(batch) });
    const started = Date.now();
    await this.readToEnd(this.config.REGISTRY_VIEW_STARTUP_TIMEOUT_MS);
    this.logger.log(
      { devices: this.states.size, ms: Date.now() - started },
      'registry view caught up; device events may flow',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.consumer?.disconnect(), this.admin?.disconnect()]);
  }

  /** Null while the view's consumer runs; why it stopped for good otherwise (liveness fails). */
  get failure(): string | null {
    return this.crashed;
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
    if (known?.state !== 'retired') await this.readToEndSince(receivedAt);
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

  /** Shares a catch-up that asked for the end offsets at or after `since`; else starts one. */
  private readToEndSince(since: number): Promise<void> {
    if (this.catchUp && this.catchUp.startedAt >= since) return this.catchUp.done;
    return this.readToEnd(this.config.REGISTRY_VIEW_CATCH_UP_TIMEOUT_MS);
  }

  private readToEnd(timeoutMs: number): Promise<void> {
    const startedAt = Date.now();
    const done = this.untilPositions(timeoutMs);
    const catchUp = { startedAt, done };
    this.catchUp = catchUp;
    void done.catch(() => {
      if (this.catchUp === catchUp) this.catchUp = null;
    });
    return done;
  }

  private async untilPositions(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const behind = () =>
      new RegistryViewBehindError(
        `the registry view did not read ${KafkaTopics.registryDevices} to its end within ${timeoutMs} ms`,
      );
    const ends = await withDeadline(this.admin!.fetchTopicOffsets(KafkaTopics.registryDevices), deadline, behind);
    for (const { partition, low } of ends)
      if (!this.positions.has(partition)) this.positions.set(partition, Number(low));
    const reached = () => ends.every(({ partition, high }) => (this.positions.get(partition) ?? 0) >= Number(high));
    while (!reached()) {
      if (this.crashed) throw behind();
      await withDeadline(new Promise<void>((resolve) => this.waiters.add(resolve)), deadline, behind);
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      const record = decodeRegistryDeviceRecord(message.value);
      // The registry is the only writer; a record that does not decode is logged and passed over.
      if ('reason' in record)
        this.logger.error(
          { partition: batch.partition, offset: message.offset, ...record },
          'registry record not understood; skipped',
        );
      else this.states.apply(record);
      resolveOffset(message.offset);
    }
    const next = Number(batch.lastOffset()) + 1;
    if (next > (this.positions.get(batch.partition) ?? 0)) this.positions.set(batch.partition, next);
    this.size.set(this.states.size);
    for (const wake of [...this.waiters]) {
      this.waiters.delete(wake);
      wake();
    }
    await heartbeat();
  }
}

async function withDeadline<T>(work: Promise<T>, deadline: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(error()), Math.max(0, deadline - Date.now()))),
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
