import type { Provider } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { KafkaProducerService } from './kafka-producer.service';
import { KAFKA_CLIENT } from './kafka.tokens';

/**
 * The alarm lane's own idempotent producer. kafkajs allows an idempotent producer one request
 * in flight, so with one producer an alarm's send would wait behind whatever telemetry request
 * is in flight; a second producer has its own connections and its own request slot.
 */
export const ALARM_LANE_PRODUCER = Symbol('ALARM_LANE_PRODUCER');

export const alarmLaneProducerProvider: Provider = {
  provide: ALARM_LANE_PRODUCER,
  inject: [KAFKA_CLIENT],
  useFactory: (kafka: Kafka) => new KafkaProducerService(kafka),
};
