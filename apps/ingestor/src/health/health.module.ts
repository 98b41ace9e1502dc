import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CommandsModule } from '../commands/commands.module';
import { MqttModule } from '../mqtt/mqtt.module';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { HealthController } from './health.controller';
import { MqttHealthIndicator } from './mqtt.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), MqttModule, CommandsModule, RegistryViewModule],
  controllers: [HealthController],
  providers: [MqttHealthIndicator],
})
export class HealthModule {}
