import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeRegistryDeviceRecord, KafkaTopics } from '@welfare/contracts';
import { KAFKA_CLIENT, TopicView } from '@welfare/kafka';
import { ScaipGatewayConfig } from '../scaip-gateway.config';
import { ScaipUnits, UnitVerdict } from './scaip-units';

/**
 * The gateway's view of the registry's SCAIP devices, read from registry.devices.v1 (compacted)
 * from its beginning at every start (a TopicView of libs/kafka). SIP intake starts only once the
 * view has read up to the topic's end as it was at start-up. A controller the view does not know
 * is judged again after the view has read to the current end (bounded), so a unit registered a
 * moment ago is not refused for the view's lag.
 */
@Injectable()
export class ScaipUnitViewService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ScaipUnitViewService.name);
  private readonly units = new ScaipUnits();
  private readonly view: TopicView;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    private readonly config: ScaipGatewayConfig,
  ) {
    this.view = new TopicView(kafka, {
      topic: KafkaTopics.registryDevices,
      groupPrefix: 'scaip-gateway.registry-view',
      apply: (message, partition) => this.apply(message, partition),
      logger: this.logger,
    });
  }

  /** Null while the view's consumer runs; why it stopped for good otherwise (liveness fails). */
  get crashed(): string | null {
    return this.view.failure;
  }

  async onModuleInit(): Promise<void> {
    await this.view.start(120_000);
    this.logger.log({ scaipDevices: this.units.size }, 'registry view caught up; SCAIP units may connect');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }

  /** The registry's verdict on a unit; an unknown controller only after the view has caught up (bounded). */
  async verdict(cid: string, did: string | null): Promise<UnitVerdict> {
    const askedAt = Date.now();
    const first = this.units.verdict(cid, did);
    if (first.trusted || first.reason === 'device_retired') return first;
    await this.view
      .readToEndSince(askedAt, this.config.SCAIP_REGISTRY_CATCH_UP_TIMEOUT_MS)
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'registry view could not catch up; judging on what it has'),
      );
    return this.units.verdict(cid, did);
  }

  private apply(message: KafkaMessage, partition: number): void {
    const record = decodeRegistryDeviceRecord(message.value);
    if ('reason' in record)
      this.logger.error({ partition, offset: message.offset, ...record }, 'registry record not understood; skipped');
    else this.units.apply(record);
  }
}
