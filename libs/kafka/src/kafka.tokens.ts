import type { TopicSpec } from './kafka-topics.service';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaOptions {
  clientId: string;
  brokers: string[];
  /** Created at start-up when missing, before any consumer or producer is used. */
  topics: TopicSpec[];
  /** Where consumers put records they cannot process, and under which source name. */
  deadLetter: { topic: string; source: 'ingestor' | 'response-centre' };
}
