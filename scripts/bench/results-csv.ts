/**
 * One row per run in a CSV file, so a change can be compared with the last run at the same
 * settings. The header is written when the file is new. New columns are only ever added at the
 * end: a file whose header is the start of ours gets the longer header and keeps every row (old
 * rows simply have fewer cells); a file with other columns is left alone.
 *
 * Rows with latency_from=scheduled measure latencies from each event's scheduled send time, count
 * each phase's own events only, and include lost alarms in the alarm percentiles; older rows
 * (latency_from empty) measured from the actual send and counted confirmed alarms only.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BENCHMARK_PROCESS, BenchResult, cpuPerEvent, sustainedIngestRate, sustainedStoredRate } from './bench-result';
import { ProcessUsage } from './process-monitor';

type Row = Record<string, string>;

/** Runs are compared only with an earlier run at the same settings, counted the same way (latency_from). */
const SETTINGS = [
  'devices',
  'rate_target',
  'seconds',
  'connections',
  'latency_from',
  'ingestor_nice',
  // A run with a seeded month has a larger database in every phase after it.
  'month_report_alarms',
  'overload_rate_given',
];

/** Columns compared with the previous run, and which direction is better. */
const COMPARED: { column: string; better: 'higher' | 'lower' }[] = [
  { column: 'ingest_rate_saturated', better: 'higher' },
  { column: 'ingest_rate_fixed', better: 'higher' },
  { column: 'alarm_p99_ms', better: 'lower' },
  { column: 'ingest_p99_ms', better: 'lower' },
  { column: 'ratio_kafka', better: 'higher' },
  { column: 'ratio_mqtt', better: 'higher' },
  { column: 'rss_ingestor_mb', better: 'lower' },
  { column: 'rss_response_centre_mb', better: 'lower' },
  { column: 'sustained_stored_rate', better: 'higher' },
  { column: 'overload_alarm_p99_ms', better: 'lower' },
  { column: 'cpu_ms_per_event_total', better: 'lower' },
  { column: 'with_reports_alarm_p99_ms', better: 'lower' },
];

export function toRow(result: BenchResult): Row {
  const { fixedRate, saturation, overload, kafkaLimit, mqttLimit, connections } = result;
  const ours = sustainedIngestRate(result);
  const perEvent = saturation ? cpuPerEvent(saturation) : null;
  const cpuMs = (name: string): string => {
    const value = perEvent?.perProcess.get(name);
    return value === undefined ? '' : fixed(value, 4);
  };
  const lastRss = (name: string): string => {
    const usage = fixedRate.usage.find((u) => u.name === name);
    return usage?.rssMb == null ? '' : fixed(usage.rssMb, 0);
  };
  const peakRss = (name: string): string =>
    fixed(findUsage([...fixedRate.usage, ...(saturation?.usage ?? [])], name), 0);
  return {
    timestamp: result.startedAt.toISOString(),
    commit: result.commit,
    load_average: result.loadAverage.toFixed(2),
    devices: String(result.options.devices),
    rate_target: String(fixedRate.offeredRate),
    seconds: String(result.options.seconds),
    ingest_rate_fixed: fixed(fixedRate.ingestRate, 1),
    ingest_rate_saturated: saturation ? fixed(saturation.ingestRate, 1) : '',
    stored_rate_fixed: fixed(fixedRate.storedRate, 1),
    stored_rate_saturated: saturation ? fixed(saturation.storedRate, 1) : '',
    ingest_p50_ms: fixed(fixedRate.ingest.p50Ms, 2),
    ingest_p99_ms: fixed(fixedRate.ingest.p99Ms, 2),
    ingest_p999_ms: fixed(fixedRate.ingest.p999Ms, 2),
    alarm_stored_p50_ms: fixedRate.alarmStored ? fixed(fixedRate.alarmStored.latency.p50Ms, 2) : '',
    alarm_stored_p99_ms: fixedRate.alarmStored ? fixed(fixedRate.alarmStored.latency.p99Ms, 2) : '',
    alarm_p50_ms: fixed(fixedRate.alarm.p50Ms, 2),
    alarm_p99_ms: fixed(fixedRate.alarm.p99Ms, 2),
    alarm_p999_ms: fixed(fixedRate.alarm.p999Ms, 2),
    alarm_samples: String(fixedRate.alarm.count),
    lost_events: String(fixedRate.missingOnKafka + (saturation?.missingOnKafka ?? 0)),
    kafka_producer_rate: fixed(kafkaLimit.recordsPerSec, 1),
    mqtt_loop_rate: fixed(mqttLimit.messagesPerSec, 1),
    kafkajs_sequential_rate: fixed(result.sequentialSends.sendsPerSec, 1),
    ratio_kafka: fixed(ours / kafkaLimit.recordsPerSec, 5),
    ratio_mqtt: fixed(ours / mqttLimit.messagesPerSec, 5),
    kafka_record_bytes: String(kafkaLimit.recordBytes),
    mqtt_payload_bytes: String(mqttLimit.payloadBytes),
    rss_ingestor_mb: peakRss('ingestor'),
    rss_response_centre_mb: peakRss('response-centre'),
    rss_kafka_mb: peakRss('kafka'),
    machine_busy_pct_fixed: fixed(fixedRate.machineBusyPercent, 0),
    // Added with the overload phase and the many-connections mode: at the end, so old rows stay readable.
    latency_from: 'scheduled',
    load_average_after: result.loadAverageAfter.toFixed(2),
    alarm_max_ms: fixed(fixedRate.alarm.maxMs, 2),
    alarms_lost_fixed: String(fixedRate.alarmsLost),
    not_stored_fixed: String(fixedRate.sent - fixedRate.stored),
    sustained_stored_rate: fixed(sustainedStoredRate(result), 1),
    ratio_mqtt_stored: fixed(sustainedStoredRate(result) / mqttLimit.messagesPerSec, 5),
    not_stored_saturated: saturation ? String(saturation.sent - saturation.stored) : '',
    overload_rate: overload?.offeredRate ? fixed(overload.offeredRate, 1) : '',
    overload_alarm_p50_ms: overload ? fixed(overload.alarm.p50Ms, 2) : '',
    overload_alarm_p99_ms: overload ? fixed(overload.alarm.p99Ms, 2) : '',
    overload_alarm_max_ms: overload ? fixed(overload.alarm.maxMs, 2) : '',
    overload_alarms_lost: overload ? String(overload.alarmsLost) : '',
    overload_drain_s: overload?.drainMs == null ? '' : fixed(overload.drainMs / 1000, 1),
    overload_drained: overload ? (overload.drainMs === null ? `no (cap ${overload.drainCapSeconds} s)` : 'yes') : '',
    cpu_ms_per_event_total: perEvent ? fixed(perEvent.total, 4) : '',
    cpu_ms_ingestor: cpuMs('ingestor'),
    cpu_ms_response_centre: cpuMs('response-centre'),
    cpu_ms_postgres: cpuMs('postgres (its backends)'),
    cpu_ms_kafka: cpuMs('kafka'),
    cpu_ms_mosquitto: cpuMs('mosquitto'),
    connections: connections ? String(connections.target) : '',
    connections_held: connections ? String(connections.heldAfter) : '',
    broker_sockets: connections?.brokerSockets == null ? '' : String(connections.brokerSockets),
    rss_mosquitto_mb: lastRss('mosquitto'),
    rss_benchmark_mb: lastRss(BENCHMARK_PROCESS),
    // Added with the alarm path split into its legs (device -> Kafka -> stored -> confirmed).
    alarm_ingest_p99_ms: fixed(fixedRate.alarmIngest.p99Ms, 2),
    overload_alarm_ingest_p99_ms: overload ? fixed(overload.alarmIngest.p99Ms, 2) : '',
    overload_alarm_stored_p99_ms: overload?.alarmStored ? fixed(overload.alarmStored.latency.p99Ms, 2) : '',
    ingestor_nice: result.options.ingestorNice === null ? '' : String(result.options.ingestorNice),
    // Added with --with-month-reports: rows of such runs have month_report_alarms set.
    alarm_ingest_p50_ms: fixed(fixedRate.alarmIngest.p50Ms, 2),
    ...monthReportsColumns(result),
    // Added with the way back split (stored -> alarm.received on Kafka -> confirmed at the device).
    alarm_command_p99_ms: fixed(fixedRate.alarmCommand.latency.p99Ms, 2),
    overload_alarm_command_p99_ms: overload ? fixed(overload.alarmCommand.latency.p99Ms, 2) : '',
    alarm_relay_p99_ms: fixed(fixedRate.wayBack.relay.p99Ms, 2),
    alarm_to_device_p99_ms: fixed(fixedRate.wayBack.toDevice.p99Ms, 2),
    overload_alarm_relay_p99_ms: overload ? fixed(overload.wayBack.relay.p99Ms, 2) : '',
    overload_alarm_to_device_p99_ms: overload ? fixed(overload.wayBack.toDevice.p99Ms, 2) : '',
    overload_rate_given: result.options.overloadRate === null ? '' : String(result.options.overloadRate),
    // Added with the overflow broker: connections held on the second broker, bridged to the first.
    connections_held_overflow: connections?.overflow ? String(connections.overflow.heldAfter) : '',
  };
}

/** The fixed-rate phase while month reports were made, and the reports; empty cells without. */
function monthReportsColumns(result: BenchResult): Row {
  const reports = result.monthReports;
  const phase = reports?.phase;
  const cell = (value: number | undefined, digits: number): string => (value === undefined ? '' : fixed(value, digits));
  return {
    month_report_alarms: reports ? String(reports.setup.alarms) : '',
    with_reports_alarm_ingest_p50_ms: cell(phase?.alarmIngest.p50Ms, 2),
    with_reports_alarm_ingest_p99_ms: cell(phase?.alarmIngest.p99Ms, 2),
    with_reports_alarm_stored_p50_ms: cell(phase?.alarmStored?.latency.p50Ms, 2),
    with_reports_alarm_stored_p99_ms: cell(phase?.alarmStored?.latency.p99Ms, 2),
    with_reports_alarm_p50_ms: cell(phase?.alarm.p50Ms, 2),
    with_reports_alarm_p99_ms: cell(phase?.alarm.p99Ms, 2),
    with_reports_alarm_max_ms: cell(phase?.alarm.maxMs, 2),
    with_reports_alarms_lost: phase ? String(phase.alarmsLost) : '',
    with_reports_reports_made: reports ? String(reports.requests.report.count) : '',
    with_reports_report_p50_ms: reports?.requests.report.count ? fixed(reports.requests.report.p50Ms, 0) : '',
    with_reports_pdfs_made: reports ? String(reports.requests.pdf.count) : '',
    with_reports_pdf_p50_ms: reports?.requests.pdf.count ? fixed(reports.requests.pdf.p50Ms, 0) : '',
    with_reports_failed: reports ? String(reports.requests.failed) : '',
    month_fold_s: cell(reports ? reports.setup.foldMs / 1000 : undefined, 1),
  };
}

/**
 * Appends the row; returns a few lines comparing it with the last earlier run at the same
 * settings, or a warning when the file has other columns.
 */
export async function appendResult(path: string, row: Row): Promise<string> {
  const header = Object.keys(row).join(',');
  const line = Object.values(row).map(csvCell).join(',');
  if (!existsSync(path)) {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, `${header}\n${line}\n`);
    return `Results: new file ${path}`;
  }
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  let note = '';
  if (lines[0] !== header) {
    if (!header.startsWith(`${lines[0]},`))
      return `Results NOT appended: ${path} has other columns; move it aside. The row:\n${header}\n${line}`;
    // Our columns with new ones at the end: the longer header, every row kept as it was.
    await writeFile(path, [header, ...lines.slice(1), ''].join('\n'));
    note = ` (header extended by ${header.split(',').length - lines[0].split(',').length} columns at the end)`;
    lines[0] = header;
  }
  await appendFile(path, `${line}\n`);
  const sameSettings = lines
    .slice(1)
    .map((earlier) => parseRow(lines[0], earlier))
    .filter((earlier) => SETTINGS.every((name) => earlier[name] === row[name]));
  const previous = sameSettings.pop();
  const settings = SETTINGS.map((name) => `${name}=${row[name]}`).join(', ');
  return `Results appended to ${path}${note}\n${previous ? compare(previous, row) : `No earlier run with ${settings} to compare with.`}`;
}

function compare(previous: Row, current: Row): string {
  const lines = [
    `Compared with the last run at the same settings (${previous.timestamp}, commit ${previous.commit}, load average ${previous.load_average}):`,
  ];
  for (const { column, better } of COMPARED) {
    const [before, after] = [Number(previous[column]), Number(current[column])];
    if (!previous[column] || !current[column] || !Number.isFinite(before) || !Number.isFinite(after)) continue;
    const change = before === 0 ? 0 : (after - before) / before;
    const improved = better === 'higher' ? after > before : after < before;
    const verdict = Math.abs(change) < 0.0005 ? '' : improved ? ', better' : ', worse';
    const sign = change >= 0 ? '+' : '';
    lines.push(
      `  ${column.padEnd(24)} ${previous[column]} -> ${current[column]}  (${sign}${(change * 100).toFixed(1)} %${verdict})`,
    );
  }
  return lines.join('\n');
}

function findUsage(usages: ProcessUsage[], name: string): number {
  return Math.max(0, ...usages.filter((usage) => usage.name === name).map((usage) => usage.peakRssMb ?? 0));
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '';
}

/** Our cells hold no commas or quotes except perhaps the commit; quote anything that needs it. */
function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Our own rows only: plain cells, no quoted commas. */
function parseRow(header: string, line: string): Row {
  const names = header.split(',');
  const cells = line.split(',');
  return Object.fromEntries(names.map((name, i) => [name, cells[i] ?? '']));
}
