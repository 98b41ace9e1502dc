import type { ConsumerState } from '@welfare/kafka';

/** What the command worker's thread is given: the ingestor's configuration, validated by the main thread. */
export interface CommandWorkerData {
  config: Record<string, unknown>;
}

/** The command worker's consumers, as its KafkaHealthIndicator sees them. */
export interface CommandConsumerHealth {
  state: ConsumerState;
  lastProcessedAt: string | null;
  lastCrash: string | null;
}

/** Worker -> main thread. */
export type CommandWorkerReport =
  /** Started: the command connection is up and the consumer is joining its group. */
  | { kind: 'ready' }
  /** Could not start (no broker, wrong credentials): the ingestor's start fails with this. */
  | { kind: 'failed'; message: string }
  /** The command connection's state and the consumers' health, whenever either changes. */
  | { kind: 'state'; connected: boolean; consumers: CommandConsumerHealth[] }
  /** Commands the broker acknowledged, by type (one report per chunk). */
  | { kind: 'published'; types: string[] }
  /** Stopped on request: offsets committed, connections closed. */
  | { kind: 'stopped' };

/** Main thread -> worker. */
export type CommandWorkerRequest = { kind: 'stop' };
