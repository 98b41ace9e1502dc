import { BenchOptions } from './bench-options';
import { RecordSizes } from './event-mix';
import { KafkaProducerLimit } from './kafka-producer-limit';
import { SequentialSendLimit } from './kafkajs-sequential-limit';
import { LatencySummary } from './latency-histogram';
import { MqttLoopLimit } from './mqtt-loop-limit';
import { ProcessUsage } from './process-monitor';

export interface FixedRateResult {
  targetRate: number;
  /** Events of this run reaching device-events.v1 per second during the phase. */
  ingestRate: number;
  /** Events the response centre stored per second during the phase. */
  storedRate: number | null;
  sent: number;
  /** Sent (and acknowledged by the broker) but never seen on Kafka within the drain time. */
  missingOnKafka: number;
  alarmsSent: number;
  alarmsUnconfirmed: number;
  ingest: LatencySummary;
  alarm: LatencySummary;
  /** Device publish -> alarm row written (the first part of `alarm`); null when not readable. */
  alarmStored: LatencySummary | null;
  usage: ProcessUsage[];
  /** How busy all cores were, percent: other work on the machine included. */
  machineBusyPercent: number;
}

export interface SaturationResult {
  window: number;
  /** Steady-state events/s onto device-events.v1 (ramp-up excluded). */
  ingestRate: number;
  storedRate: number | null;
  sent: number;
  missingOnKafka: number;
  usage: ProcessUsage[];
  machineBusyPercent: number;
}

export interface BenchResult {
  startedAt: Date;
  commit: string;
  /** 1-minute load average before the run: other work on the machine skews every figure. */
  loadAverage: number;
  options: BenchOptions;
  sizes: RecordSizes;
  mqttBroker: string;
  database: string;
  kafkaLimit: KafkaProducerLimit;
  mqttLimit: MqttLoopLimit;
  sequentialSends: SequentialSendLimit;
  fixedRate: FixedRateResult;
  saturation: SaturationResult | null;
  publishErrors: number;
}

/** Our sustained ingest rate: the saturation figure, or the fixed-rate one when saturation was skipped. */
export function sustainedIngestRate(result: BenchResult): number {
  return result.saturation?.ingestRate ?? result.fixedRate.ingestRate;
}

export const INGEST_TARGET_RATIO = 0.5;
export const ALARM_P99_TARGET_MS = 100;
export const LATENCY_TARGET_RATE = 1000;
