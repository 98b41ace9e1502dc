import { Module } from '@nestjs/common';
import { AlarmsModule } from '../alarms/alarms.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { PositionsModule } from './positions.module';
import { DoorRulesService } from './door-rules.service';
import { PositionRulesService } from './position-rules.service';

/** Rules that depend on the resident's configuration: door night window and open-door watch, GPS safe zones. */
@Module({
  imports: [AlarmsModule, HandlingLogModule, RegistryViewModule, PositionsModule],
  providers: [DoorRulesService, PositionRulesService],
  exports: [DoorRulesService, PositionRulesService],
})
export class ResidentRulesModule {}
