import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { AlarmsModule } from '../alarms/alarms.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { DispatchController } from './dispatch.controller';
import { DispatchOutbox } from './dispatch-outbox';
import { DispatchService } from './dispatch.service';
import { DispatchStoreModule } from './dispatch-store.module';
import { DispatchUpdatesController } from './dispatch-updates.controller';
import { DispatchUpdatesService } from './dispatch-updates.service';
import { UnansweredDispatchesService } from './unanswered-dispatches.service';

/**
 * Dispatch to home-care teams: the operator's request and withdrawal, home care's updates from
 * Kafka, and the backstop for a home-care service that does not answer. Escalation comes from
 * the (global) escalation module.
 */
@Module({
  imports: [AlarmsModule, DispatchStoreModule, HandlingLogModule, OutboxModule, RegistryViewModule],
  controllers: [DispatchController, DispatchUpdatesController],
  providers: [
    DispatchOutbox,
    DispatchService,
    DispatchUpdatesService,
    UnansweredDispatchesService,
    counterProvider('dispatch_updates_total', 'Dispatch updates from home care, by type and outcome', [
      'type',
      'outcome',
    ]),
  ],
  exports: [UnansweredDispatchesService, DispatchUpdatesService],
})
export class DispatchModule {}
