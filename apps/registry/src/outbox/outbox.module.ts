import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { OutboxRelayService } from './outbox-relay.service';
import { RegistryChanges } from './registry-changes';
import { RegistryRecordOutbox } from './registry-record-outbox';

@Module({
  providers: [
    RegistryRecordOutbox,
    RegistryChanges,
    OutboxRelayService,
    counterProvider('outbox_messages_sent_total', 'Registry records delivered to Kafka'),
  ],
  exports: [RegistryRecordOutbox, RegistryChanges, OutboxRelayService],
})
export class OutboxModule {}
