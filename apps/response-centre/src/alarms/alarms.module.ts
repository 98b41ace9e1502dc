import { Module } from '@nestjs/common';
import { DeviceEventsModule } from '../device-events/device-events.module';
import { DispatchStoreModule } from '../dispatch/dispatch-store.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { LiveModule } from '../live/live.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { PositionsModule } from '../resident-rules/positions.module';
import { AlarmHandlingService } from './alarm-handling.service';
import { AlarmQueriesService } from './alarm-queries.service';
import { AlarmOpeningService } from './alarm-opening.service';
import { AlarmsController } from './alarms.controller';
import { AlarmsRepository } from './alarms.repository';

@Module({
  imports: [
    DeviceEventsModule,
    HandlingLogModule,
    OutboxModule,
    DispatchStoreModule,
    RegistryViewModule,
    LiveModule,
    PositionsModule,
  ],
  controllers: [AlarmsController],
  providers: [AlarmsRepository, AlarmHandlingService, AlarmQueriesService, AlarmOpeningService],
  exports: [AlarmsRepository, AlarmQueriesService, AlarmOpeningService],
})
export class AlarmsModule {}
