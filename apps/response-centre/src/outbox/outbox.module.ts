import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { OUTBOX_RELAY_OPTIONS, OutboxRelayOptions, OutboxRelayService } from '@welfare/persistence';
import { ResponseCentreConfig } from '../response-centre.config';
import { DeviceCommandOutbox } from './device-command-outbox';

/**
 * One relay at a time across instances: rows leave in the order they were written, so a
 * dispatch's "requested" never reaches home care after its "withdrawn".
 */
const RESPONSE_CENTRE_RELAY_LOCK = 7_364_004;

@Module({
  providers: [
    DeviceCommandOutbox,
    OutboxRelayService,
    {
      provide: OUTBOX_RELAY_OPTIONS,
      useFactory: (config: ResponseCentreConfig): OutboxRelayOptions => ({
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
        exclusiveLockKey: RESPONSE_CENTRE_RELAY_LOCK,
      }),
      inject: [ResponseCentreConfig],
    },
    counterProvider('outbox_messages_sent_total', 'Outbox messages delivered to Kafka'),
  ],
  exports: [DeviceCommandOutbox, OutboxRelayService],
})
export class OutboxModule {}
