import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { OUTBOX_RELAY_OPTIONS, OutboxRelayOptions, OutboxRelayService } from '@welfare/persistence';
import { HomeCareConfig } from '../home-care.config';
import { DispatchUpdateOutbox } from './dispatch-update-outbox';

/**
 * Advisory-lock key of the home-care relay. One relay at a time: with two instances sharing the
 * rows, `accepted` and `en_route` of one alarm could leave side by side and arrive swapped.
 */
const HOME_CARE_RELAY_LOCK = 7_364_003;

@Module({
  providers: [
    DispatchUpdateOutbox,
    OutboxRelayService,
    {
      provide: OUTBOX_RELAY_OPTIONS,
      useFactory: (config: HomeCareConfig): OutboxRelayOptions => ({
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
        exclusiveLockKey: HOME_CARE_RELAY_LOCK,
      }),
      inject: [HomeCareConfig],
    },
    counterProvider('outbox_messages_sent_total', 'Dispatch updates delivered to Kafka'),
  ],
  exports: [DispatchUpdateOutbox, OutboxRelayService],
})
export class OutboxModule {}
