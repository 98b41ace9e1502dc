import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { KafkaHealthIndicator } from '@welfare/kafka';
import { Public } from '@welfare/platform';

/**
 * Health of a service that owns a database (response centre, registry). Liveness: restart me
 * if false (a Kafka consumer gave up; trivially true without consumers). Readiness: send me
 * work only if the database and Kafka answer.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class DatabaseServiceHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.kafka.consumersAlive()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 3000 }),
      () => this.kafka.brokerReachable(),
    ]);
  }
}
