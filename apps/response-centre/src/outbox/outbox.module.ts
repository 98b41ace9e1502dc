import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { OUTBOX_RELAY_OPTIONS, OutboxRelayOptions, OutboxRelayService } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { DeviceCommandOutbox } from './device-command-outbox';

@Module({
  providers: [
    DeviceCommandOutbox,
    OutboxRelayService,
    {
      provide: OUTBOX_RELAY_OPTIONS,
      useFactory: (config: ResponseCentreConfig): OutboxRelayOptions => ({ pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS }),
      inject: [ResponseCentreConfig],
    },
    counterProvider('outbox_messages_sent_total', 'Outbox messages delivered to Kafka'),
  ],
  exports: [DeviceCommandOutbox, OutboxRelayService],
})
export class OutboxModule {}
