import { Module } from '@nestjs/common';
import { counterProvider, METRICS_REGISTRY } from '@welfare/platform';
import { Gauge, Registry } from 'prom-client';
import { IngestModule } from '../ingest/ingest.module';
import { MqttIntakeService } from './mqtt-intake.service';

@Module({
  imports: [IngestModule],
  providers: [
    MqttIntakeService,
    counterProvider(
      'mqtt_intake_redelivered_total',
      'Device messages the broker delivered again (DUP): a connection ended before their PUBACK',
    ),
    {
      provide: 'metric:mqtt_intake_unacknowledged',
      inject: [METRICS_REGISTRY, MqttIntakeService],
      useFactory: (registry: Registry, intake: MqttIntakeService) =>
        new Gauge({
          name: 'mqtt_intake_unacknowledged',
          help: 'Device messages taken in on the intake connection whose PUBACK waits for Kafka (or for an earlier message)',
          registers: [registry],
          collect() {
            this.set(intake.unacknowledged);
          },
        }),
    },
  ],
  exports: [MqttIntakeService],
})
export class MqttModule {}
