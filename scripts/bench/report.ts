/** The summary on stdout: figures, ratios to the physical limits, and the targets. */
import { cpus } from 'node:os';
import {
  ALARM_P99_TARGET_MS,
  BenchResult,
  INGEST_TARGET_RATIO,
  LATENCY_TARGET_RATE,
  sustainedIngestRate,
} from './bench-result';
import { describeMix } from './event-mix';
import { LatencySummary } from './latency-histogram';
import { ProcessUsage } from './process-monitor';

export function formatReport(result: BenchResult): string {
  return [header(result), rates(result), latencies(result), resources(result), targets(result)].join('\n\n') + '\n';
}

function header(result: BenchResult): string {
  const { options, sizes } = result;
  return [
    `Welfare backbone benchmark, ${result.startedAt.toISOString()}, commit ${result.commit}`,
    `Machine: ${cpus().length} cores, Node ${process.version}; everything on this box (Kafka, PostgreSQL, MQTT broker, both services, the load)`,
    `Load average before the run: ${result.loadAverage.toFixed(2)} (other work on the machine skews every figure)`,
    `Devices: ${options.devices}, one MQTT connection each, QoS 1; mix ${describeMix(options.mix)}`,
    `Sizes: MQTT payload ${sizes.mqttPayloadBytes} B; Kafka record ${sizes.kafkaRecordBytes} B (value + key + headers), mean over the mix`,
    `Broker: ${result.mqttBroker}; database: ${result.database}`,
  ].join('\n');
}

function rates(result: BenchResult): string {
  const { fixedRate, saturation, kafkaLimit, mqttLimit } = result;
  const ours = sustainedIngestRate(result);
  const rows = [
    ['Ingest rate (events/s, device -> Kafka device-events.v1)', ''],
    [
      `  fixed-rate phase, offered ${fixedRate.targetRate}/s for ${result.options.seconds} s`,
      rate(fixedRate.ingestRate),
    ],
    [
      saturation
        ? `  saturation, ${saturation.window} in flight, ${result.options.saturationSeconds} s (sustained max)`
        : '  saturation phase skipped',
      saturation ? rate(saturation.ingestRate) : '-',
    ],
    ['Stored by the response centre (events/s, Kafka -> PostgreSQL)', ''],
    ['  fixed-rate phase', rate(fixedRate.storedRate)],
    ['  saturation phase', rate(saturation?.storedRate ?? null)],
    ['Physical limits on this machine', ''],
    [
      `  Kafka ProducerPerformance, ${kafkaLimit.recordBytes} B records, acks=all, unthrottled (${kafkaLimit.mbPerSec.toFixed(1)} MB/s)`,
      rate(kafkaLimit.recordsPerSec),
    ],
    [`  bare MQTT publish -> QoS 1 subscriber, ${mqttLimit.payloadBytes} B payloads`, rate(mqttLimit.messagesPerSec)],
    ['Ratios (our sustained ingest rate / limit)', ''],
    ['  ours / Kafka producer', percent(ours / kafkaLimit.recordsPerSec)],
    ['  ours / bare MQTT loop', percent(ours / mqttLimit.messagesPerSec)],
    ['Diagnostic: kafkajs, one record per awaited send, as the ingestor hands over', ''],
    [
      `  sends/s (mean round trip ${ms(result.sequentialSends.meanRoundTripMs)} ms)`,
      rate(result.sequentialSends.sendsPerSec),
    ],
    ['  ours / sequential sends', percent(ours / result.sequentialSends.sendsPerSec)],
  ];
  return table(rows);
}

function latencies(result: BenchResult): string {
  const { fixedRate } = result;
  const row = (name: string, summary: LatencySummary): string[] => [
    name,
    ms(summary.p50Ms),
    ms(summary.p99Ms),
    ms(summary.p999Ms),
    ms(summary.maxMs),
    String(summary.count),
  ];
  return [
    `Latency at ${fixedRate.targetRate} events/s (ms, HDR histogram)`,
    table([
      ['', 'p50', 'p99', 'p99.9', 'max', 'samples'],
      row('ingest: all events', fixedRate.ingest),
      ...(fixedRate.alarmStored ? [row('alarm stored', fixedRate.alarmStored)] : []),
      row('alarm end-to-end', fixedRate.alarm),
    ]),
    '  ingest           = device publish -> record visible on Kafka device-events.v1 (read by the benchmark)',
    '  alarm stored     = device publish -> alarm row written in PostgreSQL (alarms.opened_at, ms resolution)',
    '  alarm end-to-end = device publish -> alarm.received back at that device: the alarm is stored in PostgreSQL',
    "                     and pushed (outbox -> Kafka device-commands.v1 -> ingestor -> MQTT). The operators' live",
    '                     stream is woken in the same commit; the benchmark does not measure it.',
    `  lost: ${fixedRate.missingOnKafka} of ${fixedRate.sent} events never reached Kafka; ` +
      `${fixedRate.alarmsUnconfirmed} of ${fixedRate.alarmsSent} alarms never confirmed; ${result.publishErrors} publish errors`,
  ].join('\n');
}

function resources(result: BenchResult): string {
  const { fixedRate, saturation } = result;
  const saturationUsage = new Map((saturation?.usage ?? []).map((usage) => [usage.name, usage]));
  const rows = [
    ['Process', `RSS at ${fixedRate.targetRate}/s`, 'peak RSS', `CPU at ${fixedRate.targetRate}/s`, 'CPU saturated'],
  ];
  for (const usage of fixedRate.usage) {
    const saturated: ProcessUsage | undefined = saturationUsage.get(usage.name);
    const peak = Math.max(usage.peakRssMb ?? 0, saturated?.peakRssMb ?? 0);
    rows.push([
      `  ${usage.name}`,
      mb(usage.rssMb),
      usage.peakRssMb === null ? '-' : mb(peak),
      cpu(usage.cpuPercent),
      saturated ? cpu(saturated.cpuPercent) : '-',
    ]);
  }
  const cores = cpus().length;
  const machine = (busy: number): string => cpu(busy * cores);
  rows.push([
    `  whole machine, all processes (of ${cores * 100} %)`,
    '',
    '',
    machine(fixedRate.machineBusyPercent),
    saturation ? machine(saturation.machineBusyPercent) : '-',
  ]);
  return `Memory and CPU (CPU in % of one core)\n${table(rows)}`;
}

function targets(result: BenchResult): string {
  const ratio = sustainedIngestRate(result) / result.kafkaLimit.recordsPerSec;
  const { fixedRate } = result;
  const kept = fixedRate.ingestRate >= fixedRate.targetRate * 0.98;
  const latencyVerdict =
    fixedRate.targetRate !== LATENCY_TARGET_RATE
      ? `n/a (measured at ${fixedRate.targetRate}/s; run with --rate ${LATENCY_TARGET_RATE})`
      : verdict(kept && fixedRate.alarm.count > 0 && fixedRate.alarm.p99Ms < ALARM_P99_TARGET_MS) +
        ` (p99 ${ms(fixedRate.alarm.p99Ms)} ms${kept ? '' : `; rate not kept: ${rate(fixedRate.ingestRate)}/s`})`;
  return [
    'Targets (2-core machine, everything on one box)',
    `  ingest >= ${percent(INGEST_TARGET_RATIO)} of Kafka's producer rate: ${verdict(ratio >= INGEST_TARGET_RATIO)} (${percent(ratio)})`,
    `  at ${LATENCY_TARGET_RATE} events/s, alarm end-to-end p99 < ${ALARM_P99_TARGET_MS} ms: ${latencyVerdict}`,
  ].join('\n');
}

function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'MISS';
}

/** Left column left-aligned, the others right-aligned. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function rate(value: number | null): string {
  return value === null ? 'n/a' : Math.round(value).toLocaleString('en-US');
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)} %`;
}

function ms(value: number): string {
  return value.toFixed(1);
}

function mb(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(0)} MB`;
}

function cpu(percent: number): string {
  return `${percent.toFixed(0)} %`;
}
