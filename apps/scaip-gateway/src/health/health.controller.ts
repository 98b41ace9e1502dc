import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { KafkaHealthIndicator } from '@welfare/kafka';
import { ScaipUnitViewService } from '../unit-view/scaip-unit-view.service';
import { ScaipAlarmMemoryService } from '../alarm-memory/scaip-alarm-memory.service';

/** Liveness: restart me if false (the registry view or the alarm memory stopped for good). Readiness: Kafka is reachable. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly kafka: KafkaHealthIndicator,
    private readonly view: ScaipUnitViewService,
    private readonly alarms: ScaipAlarmMemoryService,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () => {
        const check = this.indicator.check('registryView');
        return this.view.crashed ? check.down({ reason: this.view.crashed }) : check.up();
      },
      () => {
        const check = this.indicator.check('alarmMemory');
        return this.alarms.crashed ? check.down({ reason: this.alarms.crashed }) : check.up();
      },
    ]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.kafka.brokerReachable()]);
  }
}
