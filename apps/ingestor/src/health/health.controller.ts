import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { KafkaHealthIndicator } from '@welfare/kafka';
import { MqttHealthIndicator } from './mqtt.health';

/** Liveness: restart me if false. Readiness: I can move device messages right now. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaHealthIndicator,
    private readonly mqtt: MqttHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.kafka.consumersAlive(), () => this.mqtt.registryViewAlive()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.mqtt.connected(), () => this.kafka.brokerReachable()]);
  }
}
