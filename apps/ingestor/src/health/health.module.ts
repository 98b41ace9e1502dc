import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MqttModule } from '../mqtt/mqtt.module';
import { HealthController } from './health.controller';
import { MqttHealthIndicator } from './mqtt.health';

@Module({ imports: [TerminusModule.forRoot({ logger: false }), MqttModule], controllers: [HealthController], providers: [MqttHealthIndicator] })
export class HealthModule {}
