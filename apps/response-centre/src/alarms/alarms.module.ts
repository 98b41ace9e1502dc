import { Module } from '@nestjs/common';
import { DeviceEventsModule } from '../device-events/device-events.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { OutboxModule } from '../outbox/outbox.module';
import { AlarmHandlingService } from './alarm-handling.service';
import { AlarmQueriesService } from './alarm-queries.service';
import { AlarmsController } from './alarms.controller';
import { AlarmsRepository } from './alarms.repository';

@Module({
  imports: [DeviceEventsModule, HandlingLogModule, OutboxModule],
  controllers: [AlarmsController],
  providers: [AlarmsRepository, AlarmHandlingService, AlarmQueriesService],
  exports: [AlarmsRepository],
})
export class AlarmsModule {}
