import { Module } from '@nestjs/common';
import { counterProvider, gaugeProvider } from '@welfare/platform';
import { OutboxModule } from '../outbox/outbox.module';
import { PushModule } from '../push/push.module';
import { DispatchStreamService } from '../stream/dispatch-stream.service';
import { DispatchActionsService } from './dispatch-actions.service';
import { DispatchExpiryService } from './dispatch-expiry.service';
import { DispatchIntakeService } from './dispatch-intake.service';
import { DispatchLogRepository } from './dispatch-log.repository';
import { DispatchQueriesService } from './dispatch-queries.service';
import { DispatchRecordsController } from './dispatch-records.controller';
import { DispatchesController } from './dispatches.controller';
import { DispatchesRepository } from './dispatches.repository';

/** Dispatches: in from the response centre (Kafka), the nurses' API and live stream, expiry, updates out (outbox). */
@Module({
  imports: [OutboxModule, PushModule],
  controllers: [DispatchesController, DispatchRecordsController],
  providers: [
    DispatchesRepository,
    DispatchLogRepository,
    DispatchIntakeService,
    DispatchQueriesService,
    DispatchActionsService,
    DispatchExpiryService,
    DispatchStreamService,
    counterProvider('dispatch_records_total', 'Records of dispatches.v1 taken in, by type and outcome', [
      'type',
      'outcome',
    ]),
    counterProvider('dispatch_steps_total', 'Steps nurses took on dispatches', ['step']),
    counterProvider('dispatches_expired_total', 'Dispatches expired unaccepted at their acceptBy'),
    gaugeProvider('dispatch_streams_open', 'Live streams (SSE) open on this instance'),
  ],
  exports: [DispatchExpiryService, DispatchIntakeService, DispatchStreamService],
})
export class DispatchesModule {}
