import { AlarmCommandLatency, WayBackLegs } from './alarm-command-tap';
import { AlarmStoredLatency } from './alarm-stored-latency';
import { BenchOptions } from './bench-options';
import { ConnectionsResult } from './idle-connections';
import { RecordSizes } from './event-mix';
import { KafkaProducerLimit } from './kafka-producer-limit';
import { SequentialSendLimit } from './kafkajs-sequential-limit';
import { LatencySummary } from './latency-histogram';
import { MonthReportsResult } from './month-reports';
import { MqttLoopLimit } from './mqtt-loop-limit';
import { StatementProfile } from './postgres-profile';
import { ProcessUsage } from './process-monitor';

/** One measured phase; every count is of the phase's own events. */
export interface PhaseResult {
  name: string;
  /** Events/s offered (open loop), or null for the closed-loop saturation phase. */
  offeredRate: number | null;
  phaseSeconds: number;
  /** Length of the measured window, s (saturation: ramp-up excluded). */
  seconds: number;
  /**
   * The phase's events reaching Kafka (either device-event topic) per second in the window;
   * saturation ('run'): every event of the run.
   */
  ingestRate: number;
  /** The phase's own events reaching Kafka per second in the window. */
  ownIngestRate: number;
  /** The phase's events the response centre stored per second in the window (end to end). */
  storedRate: number;
  storedInWindow: number;
  /** 'own': the rates count the phase's own events; 'run': every event of the run in the window (saturation). */
  storedCounts: 'own' | 'run';
  /** The phase's own events stored in the window. */
  ownStoredInWindow: number;
  sent: number;
  /** Sent but never seen on Kafka by the end of the drain wait. */
  missingOnKafka: number;
  /** The phase's events stored by the end of the drain wait; sent - stored were lost (or too late). */
  stored: number;
  /** End of sending -> last of the phase's events stored; null when not within drainCapSeconds. */
  drainMs: number | null;
  drainCapSeconds: number;
  alarmsSent: number;
  /** Alarms with no alarm.received by the end of the drain wait. */
  alarmsLost: number;
  ingest: LatencySummary;
  /** Scheduled send -> on Kafka, alarm events only. */
  alarmIngest: LatencySummary;
  /** Confirmed alarms, and the lost ones at the time waited for them (a lower bound). */
  alarm: LatencySummary;
  /** Scheduled send -> alarm event row stored; null when not readable. */
  alarmStored: AlarmStoredLatency | null;
  /** Scheduled send -> the alarm's alarm.received handed to Kafka by the response centre's outbox relay. */
  alarmCommand: AlarmCommandLatency;
  /** The way back per alarm: stored -> alarm.received on Kafka -> at the device. */
  wayBack: WayBackLegs;
  /** The benchmark's own event-loop delay over the phase and its drain (its devices are timed on it). */
  ownLoopDelay: { p99Ms: number; maxMs: number };
  usage: ProcessUsage[];
  /** How busy all cores were, percent: other work on the machine included. */
  machineBusyPercent: number;
}

export interface BenchResult {
  startedAt: Date;
  commit: string;
  /** 1-minute load average before the run: other work on the machine skews every figure. */
  loadAverage: number;
  /** 1-minute load average at the end of the run. */
  loadAverageAfter: number;
  options: BenchOptions;
  sizes: RecordSizes;
  mqttBroker: string;
  database: string;
  kafkaLimit: KafkaProducerLimit;
  mqttLimit: MqttLoopLimit;
  sequentialSends: SequentialSendLimit;
  /** How the warm-up went: its events, and whether it was stored before the fixed-rate phase. */
  warmup: string;
  fixedRate: PhaseResult;
  /** With --with-month-reports: the fixed-rate phase again, right after, while month reports were made. */
  monthReports: MonthReportsResult | null;
  saturation: PhaseResult | null;
  overload: PhaseResult | null;
  /** Why the overload phase did not run, when it did not. */
  overloadSkipped: string | null;
  /** The many-connections mode (--connections), or null. */
  connections: ConnectionsResult | null;
  /** Open-files limits (soft/hard) of the benchmark process and the private broker. */
  openFiles: { bench: string; broker: string | null };
  publishErrors: number;
  /** With --postgres-profile: the database's statements in the saturation and overload phases. */
  statementProfiles: Array<{ phase: string; eventsStored: number; profile: StatementProfile }>;
}

/** Our sustained ingest rate: the saturation figure, or the fixed-rate one when saturation was skipped. */
export function sustainedIngestRate(result: BenchResult): number {
  return result.saturation?.ingestRate ?? result.fixedRate.ingestRate;
}

/** Our sustained end-to-end rate (stored by the response centre): saturation, else the fixed-rate phase. */
export function sustainedStoredRate(result: BenchResult): number {
  return result.saturation?.storedRate ?? result.fixedRate.storedRate;
}

/** The second broker of --connections, bridged to the first, when the first cannot hold them all. */
export const OVERFLOW_BROKER_PROCESS = 'mosquitto (overflow, bridged)';

/** Processes counted in "all processes together" for CPU per event (not the benchmark's own). */
export const SYSTEM_PROCESSES = [
  'ingestor',
  'response-centre',
  'postgres (its backends)',
  'kafka',
  'mosquitto',
  OVERFLOW_BROKER_PROCESS,
];

/** The benchmark's own process in the usage rows. */
export const BENCHMARK_PROCESS = 'benchmark (devices, Kafka tap)';

/**
 * With --with-month-reports, rows that split CPU already counted above them (not in
 * SYSTEM_PROCESSES): the response centre's threads, and the report worker's database backend.
 */
export const RESPONSE_CENTRE_MAIN_THREAD = 'response-centre: its main thread';
export const REPORT_WORKER_THREAD = 'response-centre: its report worker thread';
export const REPORT_CONNECTION = "postgres: the report worker's backend";

/** CPU ms per event stored in the window, per process, and the total over SYSTEM_PROCESSES. */
export function cpuPerEvent(phase: PhaseResult): { perProcess: Map<string, number>; total: number } | null {
  if (phase.storedInWindow === 0) return null;
  const perProcess = new Map(
    phase.usage.map((usage) => [usage.name, (usage.cpuSeconds * 1000) / phase.storedInWindow] as const),
  );
  let total = 0;
  for (const name of SYSTEM_PROCESSES) total += perProcess.get(name) ?? 0;
  return { perProcess, total };
}

// The targets of issue 11 (2-core machine, everything on one box).
export const SUSTAINED_RATE_TARGET = 3000;
export const SUSTAINED_MQTT_RATIO_TARGET = 0.12;
export const ALARM_P99_TARGET_MS = 250;
export const LATENCY_TARGET_RATE = 1000;
export const OVERLOAD_ALARM_P99_TARGET_MS = 1000;
export const CPU_MS_PER_EVENT_TARGET = 0.6;
export const CONNECTIONS_TARGET = 20_000;
