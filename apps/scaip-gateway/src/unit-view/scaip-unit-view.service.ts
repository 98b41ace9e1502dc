import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { decodeRegistryDeviceRecord, KafkaTopics } from '@welfare/contracts';
import { KAFKA_CLIENT } from '@welfare/kafka';
import { ScaipGatewayConfig } from '../scaip-gateway.config';
import { ScaipUnits, UnitVerdict } from './scaip-units';

/**
 * The gateway's view of the registry's SCAIP devices, read from registry.devices.v1 (compacted)
 * from its beginning at every start, with a group id of its own and nothing committed. SIP
 * intake starts only once the view has read up to the topic's end as it was at start-up. A
 * controller the view does not know is judged again after the view has read to the current
 * end (bounded), so a unit registered a moment ago is not refused for the view's lag.
 */
@Injectable()
export class ScaipUnitViewService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ScaipUnitViewService.name);
  private readonly units = new ScaipUnits();
  private readonly positions = new Map<number, number>();
  private readonly waiters = new Set<() => void>();
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  crashed: string | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly config: ScaipGatewayConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const consumer = this.kafka.consumer({
      groupId: `scaip-gateway.registry-view.${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      retry: { retries: 15, initialRetryTime: 300, maxRetryTime: 2000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ err: payload.error, restart: payload.restart }, 'registry view consumer crashed');
      if (!payload.restart) this.crashed = `${payload.error.name}: ${payload.error.message}`;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: KafkaTopics.registryDevices, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (batch) => this.onBatch(batch) });
    await this.readToEnd(120_000);
    this.logger.log({ scaipDevices: this.units.size }, 'registry view caught up; SCAIP units may connect');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.consumer?.disconnect(), this.admin?.disconnect()]);
  }

  /** The registry's verdict on a unit; an unknown controller only after the view has caught up (bounded). */
  async verdict(cid: string, did: string | null): Promise<UnitVerdict> {
    const first = this.units.verdict(cid, did);
    if (first.trusted || first.reason === 'device_retired') return first;
    await this.readToEnd(this.config.SCAIP_REGISTRY_CATCH_UP_TIMEOUT_MS).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'registry view could not catch up; judging on what it has'),
    );
    return this.units.verdict(cid, did);
  }

  private async readToEnd(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const ends = await this.admin!.fetchTopicOffsets(KafkaTopics.registryDevices);
    for (const { partition, low } of ends)
      if (!this.positions.has(partition)) this.positions.set(partition, Number(low));
    const reached = () => ends.every(({ partition, high }) => (this.positions.get(partition) ?? 0) >= Number(high));
    while (!reached()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.crashed)
        throw new Error(`registry view did not reach the topic's end within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      const record = decodeRegistryDeviceRecord(message.value);
      if ('reason' in record)
        this.logger.error(
          { partition: batch.partition, offset: message.offset, ...record },
          'registry record not understood; skipped',
        );
      else this.units.apply(record);
      resolveOffset(message.offset);
    }
    const next = Number(batch.lastOffset()) + 1;
    if (next > (this.positions.get(batch.partition) ?? 0)) this.positions.set(batch.partition, next);
    for (const wake of [...this.waiters]) {
      this.waiters.delete(wake);
      wake();
    }
    await heartbeat();
  }
}
