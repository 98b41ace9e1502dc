import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { AlarmsModule } from '../alarms/alarms.module';
import { DeviceEventsModule } from '../device-events/device-events.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { ResidentRulesModule } from '../resident-rules/resident-rules.module';
import { PositionsModule } from '../resident-rules/positions.module';
import { TrailHousekeeping } from './trail-housekeeping';
import { DeviceEventIntakeService } from './device-event-intake.service';
import { DeviceEventsController } from './device-events.controller';
import { AlarmLanePriority, TELEMETRY_YIELD_MAX_MS } from './alarm-lane-priority';
import { ResponseCentreConfig } from '../response-centre.config';

/** Device events from Kafka into the history and, by rule, into alarms. */
@Module({
  imports: [
    AlarmsModule,
    DeviceEventsModule,
    HandlingLogModule,
    OutboxModule,
    RegistryViewModule,
    ResidentRulesModule,
    PositionsModule,
  ],
  controllers: [DeviceEventsController],
  providers: [
    DeviceEventIntakeService,
    TrailHousekeeping,
    AlarmLanePriority,
    {
      provide: TELEMETRY_YIELD_MAX_MS,
      useFactory: (config: ResponseCentreConfig) => config.TELEMETRY_YIELD_MAX_MS,
      inject: [ResponseCentreConfig],
    },
    counterProvider('device_events_stored_total', 'Device events taken in, by type and outcome', ['type', 'outcome']),
  ],
  exports: [DeviceEventIntakeService, TrailHousekeeping],
})
export class IntakeModule {}
