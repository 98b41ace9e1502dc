import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { OUTBOX_RELAY_OPTIONS, OutboxRelayOptions, OutboxRelayService } from '@welfare/persistence';
import { BrokerAccessModule } from '../broker-access/broker-access.module';
import { RegistryConfig } from '../registry.config';
import { RegistryChanges } from './registry-changes';
import { RegistryRecordOutbox } from './registry-record-outbox';

/** Advisory-lock key of the registry's relay: on a compacted topic one relay at a time keeps a device's records in order. */
const REGISTRY_RELAY_LOCK = 7_364_001;

@Module({
  imports: [BrokerAccessModule],
  providers: [
    RegistryRecordOutbox,
    RegistryChanges,
    OutboxRelayService,
    {
      provide: OUTBOX_RELAY_OPTIONS,
      useFactory: (config: RegistryConfig): OutboxRelayOptions => ({
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
        exclusiveLockKey: REGISTRY_RELAY_LOCK,
      }),
      inject: [RegistryConfig],
    },
    counterProvider('outbox_messages_sent_total', 'Registry records delivered to Kafka'),
  ],
  exports: [RegistryRecordOutbox, RegistryChanges, OutboxRelayService],
})
export class OutboxModule {}
