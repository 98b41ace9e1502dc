import type { TopicSpec } from './kafka-topics.service';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaOptions {
  clientId: string;
  brokers: string[];
  /** Created at start-up when missing, before any consumer or producer is used. */
  topics: TopicSpec[];
  /** Where consumers put records they cannot process, and under which source name. */
  deadLetter: { topic: string; source: 'ingestor' | 'response-centre' | 'registry' | 'home-care' | 'scaip-gateway' };
  /**
   * How long the group waits for a silent consumer before handing its partitions to another
   * (or to its own restarted process). A crashed instance delays its partitions' alarms by up
   * to this long, so keep it short; the broker's minimum is 6 s by default.
   */
  sessionTimeoutMs: number;
  /**
   * The `@KafkaHandler` consumers (transport/): the service's consumer group (handlers name a
   * suffix of it), how failures are told apart, and per group, batch size and partitions taken
   * in at once. A service without handlers leaves it out.
   */
  consumers?: {
    groupId: string;
    isTransient: (error: unknown) => boolean;
    groups?: Record<string, { maxBatchSize?: number; concurrency?: number }>;
  };
}
