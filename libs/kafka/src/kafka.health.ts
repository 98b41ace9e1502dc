import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka } from 'kafkajs';
import { withTimeout } from '@welfare/platform';
import { KafkaConsumersService } from './kafka-consumers.service';
import { KafkaProducerService } from './kafka-producer.service';
import { KAFKA_CLIENT } from './kafka.tokens';

const PROBE_TIMEOUT_MS = 3000;

/**
 * Readiness: the broker answers, the producer is connected and every consumer has joined its
 * group (before that, events wait on Kafka). Liveness: no consumer gave up.
 */
@Injectable()
export class KafkaHealthIndicator implements OnApplicationShutdown {
  private admin: Admin | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly indicators: HealthIndicatorService,
    private readonly producer: KafkaProducerService,
    private readonly consumers: KafkaConsumersService,
  ) {}

  async brokerReachable(key = 'kafka'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      const cluster = await withTimeout(this.describeCluster(), PROBE_TIMEOUT_MS);
      const consumers = this.consumers.all().map((consumer) => consumer.health);
      if (!this.producer.isConnected) return indicator.down({ message: 'producer not connected', consumers });
      if (consumers.some((consumer) => consumer.state !== 'running'))
        return indicator.down({ message: 'a consumer has not joined its group', consumers });
      return indicator.up({ brokers: cluster.brokers.length, consumers });
    } catch (error) {
      this.admin = null;
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  consumersAlive(key = 'kafka-consumers'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const states = this.consumers.all().map((consumer) => consumer.health);
    const crashed = states.filter((state) => state.state === 'crashed');
    return crashed.length === 0 ? indicator.up({ consumers: states }) : indicator.down({ consumers: states });
  }

  private async describeCluster() {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      this.admin = admin;
    }
    return this.admin.describeCluster();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
  }
}
