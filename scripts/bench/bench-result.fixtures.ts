/** A benchmark result as the report and the CSV take it, for the output specs. */
import { BenchResult, PhaseResult } from './bench-result';
import { parseBenchOptions } from './bench-options';
import { LatencySummary } from './latency-histogram';
import { MonthReportsResult } from './month-reports';

export const latency = (p50Ms: number, p99Ms: number): LatencySummary => ({
  count: 800,
  p50Ms,
  p99Ms,
  p999Ms: p99Ms,
  maxMs: p99Ms + 10,
});

export function phase(name: string, alarmP99: number, responseCentreCpu: number): PhaseResult {
  return {
    name,
    offeredRate: 1000,
    phaseSeconds: 20,
    seconds: 20,
    ingestRate: 1000,
    ownIngestRate: 1000,
    storedRate: 998,
    storedInWindow: 19_960,
    storedCounts: 'own',
    ownStoredInWindow: 19_960,
    sent: 20_000,
    missingOnKafka: 0,
    stored: 20_000,
    drainMs: 800,
    drainCapSeconds: 60,
    alarmsSent: 800,
    alarmsLost: 0,
    ingest: latency(15, 70),
    alarmIngest: latency(12, 40),
    alarm: latency(60, alarmP99),
    alarmStored: { latency: latency(30, alarmP99 - 50), notStored: 0, storedAt: new Map() },
    alarmCommand: { latency: latency(40, alarmP99 - 20), notSeen: 0 },
    wayBack: { relay: latency(5, 20), toDevice: latency(5, 20) },
    ownLoopDelay: { p99Ms: 20, maxMs: 40 },
    usage: [
      { name: 'response-centre', rssMb: 200, peakRssMb: 210, cpuPercent: responseCentreCpu, cpuSeconds: 1 },
      { name: 'kafka', rssMb: 500, peakRssMb: 510, cpuPercent: 30, cpuSeconds: 6 },
    ],
    machineBusyPercent: 60,
  };
}

export function benchResult(options: string[], reports: MonthReportsResult | null): BenchResult {
  return {
    startedAt: new Date('2026-12-06T09:00:00Z'),
    commit: 'abc1234',
    loadAverage: 1.5,
    loadAverageAfter: 2.5,
    options: parseBenchOptions(options),
    sizes: { mqttPayloadBytes: 200, kafkaRecordBytes: 400 },
    mqttBroker: 'mqtt://127.0.0.1:1883',
    database: 'PostgreSQL (fresh database)',
    kafkaLimit: { recordsPerSec: 100_000, mbPerSec: 40, records: 500_000, recordBytes: 400 },
    mqttLimit: { messagesPerSec: 20_000, payloadBytes: 200 },
    sequentialSends: { sendsPerSec: 1000, meanRoundTripMs: 1 },
    warmup: 'all stored',
    fixedRate: phase('fixed rate', 210, 40),
    monthReports: reports,
    saturation: null,
    overload: null,
    overloadSkipped: '--overload-seconds 0',
    connections: null,
    openFiles: { bench: '1024/1024', broker: null },
    publishErrors: 0,
    statementProfiles: [],
  };
}
