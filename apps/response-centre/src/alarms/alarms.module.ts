import { Module } from '@nestjs/common';
import { DeviceEventsModule } from '../device-events/device-events.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { PositionsRepository } from '../resident-rules/positions.repository';
import { AlarmHandlingService } from './alarm-handling.service';
import { AlarmQueriesService } from './alarm-queries.service';
import { AlarmOpeningService } from './alarm-opening.service';
import { AlarmsController } from './alarms.controller';
import { AlarmsRepository } from './alarms.repository';

@Module({
  imports: [DeviceEventsModule, HandlingLogModule, OutboxModule, RegistryViewModule],
  controllers: [AlarmsController],
  // The positions' trail is written by the GPS rules and read by the alarm queries.
  providers: [AlarmsRepository, AlarmHandlingService, AlarmQueriesService, AlarmOpeningService, PositionsRepository],
  exports: [AlarmsRepository, AlarmOpeningService, PositionsRepository],
})
export class AlarmsModule {}
