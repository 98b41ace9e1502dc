import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { AlarmRulesController } from './alarm-rules.controller';
import { AlarmRulesService } from './alarm-rules.service';

@Module({ imports: [OutboxModule], controllers: [AlarmRulesController], providers: [AlarmRulesService] })
export class AlarmRulesModule {}
