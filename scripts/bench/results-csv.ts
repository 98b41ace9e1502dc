/**
 * One row per run in a CSV file, so a change can be compared with the last run at the same
 * settings. The header is written when the file is new; a file with other columns is left alone.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BenchResult, sustainedIngestRate } from './bench-result';
import { ProcessUsage } from './process-monitor';

type Row = Record<string, string>;

/** Runs are compared only with an earlier run at the same settings. */
const SETTINGS = ['devices', 'rate_target', 'seconds'];

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
];

export function toRow(result: BenchResult): Row {
  const { fixedRate, saturation, kafkaLimit, mqttLimit } = result;
  const ours = sustainedIngestRate(result);
  const peakRss = (name: string): string =>
    fixed(findUsage([...fixedRate.usage, ...(saturation?.usage ?? [])], name), 0);
  return {
    timestamp: result.startedAt.toISOString(),
    commit: result.commit,
    load_average: result.loadAverage.toFixed(2),
    devices: String(result.options.devices),
    rate_target: String(fixedRate.targetRate),
    seconds: String(result.options.seconds),
    ingest_rate_fixed: fixed(fixedRate.ingestRate, 1),
    ingest_rate_saturated: saturation ? fixed(saturation.ingestRate, 1) : '',
    stored_rate_fixed: fixedRate.storedRate === null ? '' : fixed(fixedRate.storedRate, 1),
    stored_rate_saturated: saturation?.storedRate == null ? '' : fixed(saturation.storedRate, 1),
    ingest_p50_ms: fixed(fixedRate.ingest.p50Ms, 2),
    ingest_p99_ms: fixed(fixedRate.ingest.p99Ms, 2),
    ingest_p999_ms: fixed(fixedRate.ingest.p999Ms, 2),
    alarm_stored_p50_ms: fixedRate.alarmStored ? fixed(fixedRate.alarmStored.p50Ms, 2) : '',
    alarm_stored_p99_ms: fixedRate.alarmStored ? fixed(fixedRate.alarmStored.p99Ms, 2) : '',
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
  if (lines[0] !== header)
    return `Results NOT appended: ${path} has other columns; move it aside. The row:\n${header}\n${line}`;
  await appendFile(path, `${line}\n`);
  const sameSettings = lines
    .slice(1)
    .map((earlier) => parseRow(lines[0], earlier))
    .filter((earlier) => SETTINGS.every((name) => earlier[name] === row[name]));
  const previous = sameSettings.pop();
  const settings = SETTINGS.map((name) => `${name}=${row[name]}`).join(', ');
  return `Results appended to ${path}\n${previous ? compare(previous, row) : `No earlier run with ${settings} to compare with.`}`;
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
