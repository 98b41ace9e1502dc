import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { DeviceCommandOutbox } from './device-command-outbox';
import { OutboxRelayService } from './outbox-relay.service';

@Module({
  providers: [
    DeviceCommandOutbox,
    OutboxRelayService,
    counterProvider('outbox_messages_sent_total', 'Outbox messages delivered to Kafka'),
  ],
  exports: [DeviceCommandOutbox, OutboxRelayService],
})
export class OutboxModule {}
