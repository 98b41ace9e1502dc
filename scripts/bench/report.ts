/** The summary on stdout: figures, ratios to the physical limits, and the targets. */
import { cpus } from 'node:os';
import {
  ALARM_P99_TARGET_MS,
  BENCHMARK_PROCESS,
  BenchResult,
  CONNECTIONS_TARGET,
  CPU_MS_PER_EVENT_TARGET,
  cpuPerEvent,
  LATENCY_TARGET_RATE,
  OVERLOAD_ALARM_P99_TARGET_MS,
  PhaseResult,
  SUSTAINED_MQTT_RATIO_TARGET,
  SUSTAINED_RATE_TARGET,
  sustainedIngestRate,
  sustainedStoredRate,
} from './bench-result';
import { describeMix } from './event-mix';
import { ConnectionsResult } from './idle-connections';
import { LatencySummary } from './latency-histogram';
import { DurationSummary, MonthReportsResult } from './month-reports';
import { formatStatementProfile } from './postgres-profile';

export function formatReport(result: BenchResult): string {
  return (
    [
      header(result),
      rates(result),
      latencies(result),
      result.monthReports ? formatMonthReportsCost(result.fixedRate, result.monthReports) : '',
      overload(result),
      resources(result),
      ...result.statementProfiles.map(({ phase, eventsStored, profile }) =>
        formatStatementProfile(profile, eventsStored, phase),
      ),
      connections(result),
      targets(result),
    ]
      .filter(Boolean)
      .join('\n\n') + '\n'
  );
}

function header(result: BenchResult): string {
  const { options, sizes } = result;
  return [
    `Welfare backbone benchmark, ${result.startedAt.toISOString()}, commit ${result.commit}`,
    `Machine: ${cpus().length} cores, Node ${process.version}; everything on this box (Kafka, PostgreSQL, MQTT broker, both services, the load)`,
    `Load average: ${result.loadAverage.toFixed(2)} before the run, ${result.loadAverageAfter.toFixed(2)} after (other work on the machine skews every figure)`,
    ...(Math.max(result.loadAverage, result.loadAverageAfter) > cpus().length
      ? [
          `WARNING: load average above the ${cpus().length} cores: other work competed for the CPU; compare the processes' CPU with the whole machine's below`,
        ]
      : []),
    `Devices: ${options.devices} sending, one MQTT connection each, QoS 1; mix ${describeMix(options.mix)}`,
    ...(options.ingestorNice !== null
      ? [`EXPERIMENT: the ingestor runs at nice ${options.ingestorNice} (--ingestor-nice), the rest as started`]
      : []),
    ...(options.connections > 0
      ? [`Many-connections mode: ${options.connections} connections in all (the senders and idle ones)`]
      : []),
    `Sizes: MQTT payload ${sizes.mqttPayloadBytes} B; Kafka record ${sizes.kafkaRecordBytes} B (value + key + headers), mean over the mix`,
    `Broker: ${result.mqttBroker}; database: ${result.database}`,
    `Open files (soft/hard): benchmark ${result.openFiles.bench}; broker ${result.openFiles.broker ?? 'not ours'}`,
    `After each phase: wait at most ${options.drainSeconds} s for its events to be stored and its alarms confirmed; what is missing then is lost`,
    `Warm-up (${options.warmupSeconds} s, ${options.window} in flight): ${result.warmup}`,
  ].join('\n');
}

function rates(result: BenchResult): string {
  const { fixedRate, saturation, overload, kafkaLimit, mqttLimit } = result;
  const ours = sustainedIngestRate(result);
  const stored = sustainedStoredRate(result);
  const phases = [fixedRate, result.monthReports?.phase ?? null, saturation, overload].filter(
    (phase): phase is PhaseResult => phase !== null,
  );
  const rows = [
    ['Rates (events/s; each phase its own events, saturation all, see below)', 'ingest', 'stored'],
    ...phases.map((phase) => [`  ${describePhase(phase)}`, rate(phase.ingestRate), rate(phase.storedRate)]),
    ...(saturation ? [] : [['  saturation phase skipped', '-', '-']]),
    ['Physical limits on this machine', '', ''],
    [
      `  Kafka ProducerPerformance, ${kafkaLimit.recordBytes} B records, acks=all, unthrottled (${kafkaLimit.mbPerSec.toFixed(1)} MB/s)`,
      rate(kafkaLimit.recordsPerSec),
      '',
    ],
    [
      `  bare MQTT loop: publish -> QoS 1 subscriber, ${mqttLimit.payloadBytes} B payloads, same broker, this run`,
      rate(mqttLimit.messagesPerSec),
      '',
    ],
    [`Ratios (ours / limit; ours = the ${saturation ? 'saturation' : 'fixed-rate'} phase)`, 'ingest', 'stored'],
    ['  ours / bare MQTT loop', percent(ours / mqttLimit.messagesPerSec), percent(stored / mqttLimit.messagesPerSec)],
    ['  ours / Kafka producer', percent(ours / kafkaLimit.recordsPerSec), percent(stored / kafkaLimit.recordsPerSec)],
    ['Diagnostic: kafkajs, one record per awaited send, as the ingestor hands over', '', ''],
    [
      `  sends/s (mean round trip ${ms(result.sequentialSends.meanRoundTripMs)} ms)`,
      rate(result.sequentialSends.sendsPerSec),
      '',
    ],
    ['  ours / sequential sends', percent(ours / result.sequentialSends.sendsPerSec), ''],
  ];
  return [
    table(rows),
    '  ingest = device -> Kafka (device-events.v1 + device-alarms.v1); stored = stored by the response centre',
    '  (its device_events rows, stored_at inside the window): end to end',
    ...(saturation
      ? [
          '  saturation: every event of the run that reached Kafka / was stored in its window (capacity figures;',
          `  its own events: ${rate(saturation.ownIngestRate)}/s ingested, ${rate(saturation.ownStoredInWindow / saturation.seconds)}/s stored), so a backlog of the phase before`,
          '  counts as work done instead of hiding the capacity',
        ]
      : []),
  ].join('\n');
}

function describePhase(phase: PhaseResult): string {
  if (phase.offeredRate === null)
    return `${phase.name}, closed loop, ${phase.phaseSeconds} s (window ${phase.seconds.toFixed(1)} s, ramp-up excluded)`;
  return `${phase.name}, offered ${rate(phase.offeredRate)}/s for ${phase.phaseSeconds} s`;
}

function latencies(result: BenchResult): string {
  const phases = [result.fixedRate, result.monthReports?.phase ?? null, result.overload, result.saturation].filter(
    (phase): phase is PhaseResult => phase !== null,
  );
  const row = (name: string, summary: LatencySummary, extra = ''): string[] =>
    summary.count === 0
      ? [name, '-', '-', '-', '-', '0', extra]
      : [
          name,
          ms(summary.p50Ms),
          ms(summary.p99Ms),
          ms(summary.p999Ms),
          ms(summary.maxMs),
          String(summary.count),
          extra,
        ];
  const rows = [['', 'p50', 'p99', 'p99.9', 'max', 'samples', 'lost']];
  for (const phase of phases) {
    rows.push([`${describePhase(phase)}`, '', '', '', '', '', '']);
    rows.push(row('  ingest: all events', phase.ingest, String(phase.missingOnKafka)));
    rows.push(row('  alarm handed to Kafka', phase.alarmIngest));
    if (phase.alarmStored)
      rows.push(row('  alarm event stored', phase.alarmStored.latency, String(phase.alarmStored.notStored)));
    rows.push(row('  alarm.received on Kafka', phase.alarmCommand.latency, String(phase.alarmCommand.notSeen)));
    rows.push(row('  per alarm: stored -> alarm.received on Kafka', phase.wayBack.relay));
    rows.push(row('  per alarm: alarm.received on Kafka -> device', phase.wayBack.toDevice));
    rows.push(row('  alarm end-to-end', phase.alarm, String(phase.alarmsLost)));
  }
  return [
    "Latency (ms, HDR histogram), from each event's SCHEDULED send time (a stall of the load generator counts)",
    table(rows),
    '  ingest             = scheduled send -> record visible on Kafka (device-events.v1 or device-alarms.v1,',
    '                       read by the benchmark, so its own consumer lag is in it); lost = not seen there',
    '                       by the end of the drain wait',
    "  alarm handed to Kafka = scheduled send -> the alarm record's timestamp (set by the ingestor's producer):",
    '                       the first leg of the alarm path (device, broker, ingestor); with the two rows',
    '                       below it splits the alarm path into device -> Kafka -> stored -> confirmed',
    "  alarm event stored = scheduled send -> the alarm event's row stored in PostgreSQL (device_events.stored_at,",
    '                       stamped in the transaction that opens or attaches the alarm; ms resolution);',
    '                       lost = not stored when read back',
    "  alarm.received on Kafka = scheduled send -> the alarm's first alarm.received record's timestamp on",
    "                       device-commands.v1 (set by the response centre's outbox relay as it sent it);",
    '                       lost = not seen there. From there to end-to-end: the ingestor, the broker, the device',
    '  per alarm: the way back alarm by alarm (not differences of percentiles): stored_at -> alarm.received',
    "                       on Kafka (the rest of the alarm's transaction, the outbox relay), and from there",
    "                       -> at the device (the ingestor's command path, the broker, the device's connection)",
    '  alarm end-to-end   = scheduled send -> alarm.received back at that device: stored in PostgreSQL and pushed',
    '                       (outbox -> Kafka device-commands.v1 -> ingestor -> MQTT). Lost = no alarm.received',
    '                       within the drain wait; each lost alarm is in the percentiles at the time waited for it',
    '                       (a lower bound), so with any lost the percentiles are lower bounds too.',
    '  The saturation phase is a closed loop (no schedule): its latencies count from the actual send.',
    ...phases.map(
      (phase) =>
        `  ${phase.name}: ${phase.sent} sent, ${phase.missingOnKafka} never on Kafka, ${phase.sent - phase.stored} not stored ` +
        `within the drain wait; ${phase.alarmsLost} of ${phase.alarmsSent} alarms never confirmed; ${drainText(phase)}`,
    ),
    ...phases.map(
      (phase) =>
        `  ${phase.name}: the benchmark's own event loop (its devices send and receive on it) was late by ` +
        `p99 ${ms(phase.ownLoopDelay.p99Ms)} / max ${ms(phase.ownLoopDelay.maxMs)} ms, its process at ${cpu(benchmarkCpu(phase))} CPU`,
    ),
    `  publish errors (no PUBACK) over the run: ${result.publishErrors}`,
  ].join('\n');
}

/** CPU of the benchmark's own process (devices, Kafka taps) over a phase's window, % of one core. */
function benchmarkCpu(phase: PhaseResult): number {
  return phase.usage.find((usage) => usage.name === BENCHMARK_PROCESS)?.cpuPercent ?? 0;
}

/**
 * --with-month-reports: the fixed-rate phase plain and, right after, while month reports were
 * made, side by side; the reports made; where the CPU went in each.
 */
export function formatMonthReportsCost(plain: PhaseResult, reports: MonthReportsResult): string {
  const { setup, requests, phase } = reports;
  const made = requests.report.count + requests.pdf.count;
  return [
    `Month reports' cost to the alarm path (--with-month-reports): the fixed-rate phase twice, back to back,`,
    `plain first, then while month reports were made`,
    `  the month: ${rate(setup.alarms)} alarms of ${setup.period} for the benchmark's municipality (${rate(setup.steps)} handling-log steps),`,
    `  seeded into the response centre's database in ${seconds(setup.seedMs)} and folded by its projection in ${seconds(setup.foldMs)}, before`,
    `  the warm-up; then a first report took ${rate(setup.firstReportMs)} ms, its PDF ${rate(setup.firstPdfMs)} ms`,
    `  made while the second phase ran and drained, one at a time, the report and its PDF in turn, as a supervisor`,
    `  of the serving centre (GET /api/reports/municipalities/<id>[/pdf]?period=${setup.period}):`,
    `    report ${durations(requests.report)}; PDF ${durations(requests.pdf)}; ${requests.failed} failed` +
      (requests.firstFailure ? ` (the first: ${requests.firstFailure})` : ''),
    ...(made === 0 ? ['  WARNING: no report was made during the phase: its figures are not "with reports"'] : []),
    table(legRows(plain, phase)),
    table(cpuRows(plain, phase)),
    '  (the thread rows and the report backend are parts of the rows above them: the main thread runs the',
    '   intake, the fold of new log steps before each report, and HTTP; the worker has the figures computed and',
    "   draws PDFs. - : none in that phase; the report worker's connection closes after 10 s idle)",
  ].join('\n');
}

function legRows(plain: PhaseResult, reports: PhaseResult): string[][] {
  const leg = (name: string, of: (phase: PhaseResult) => LatencySummary | null): string[] => {
    const [before, after] = [of(plain), of(reports)];
    const cells = (summary: LatencySummary | null) =>
      summary && summary.count > 0 ? [ms(summary.p50Ms), ms(summary.p99Ms)] : ['-', '-'];
    const change = before?.count && after?.count ? signed(after.p99Ms - before.p99Ms) : '-';
    return [`  ${name}`, ...cells(before), ...cells(after), change];
  };
  return [
    ['Alarm latency (ms)', 'plain p50', 'p99', 'with reports p50', 'p99', 'p99 change'],
    leg('handed to Kafka', (phase) => phase.alarmIngest),
    leg('event stored', (phase) => phase.alarmStored?.latency ?? null),
    leg('end to end (alarm.received)', (phase) => phase.alarm),
    [
      '  alarms lost',
      `${plain.alarmsLost} of ${plain.alarmsSent}`,
      '',
      `${reports.alarmsLost} of ${reports.alarmsSent}`,
      '',
      '',
    ],
  ];
}

function cpuRows(plain: PhaseResult, reports: PhaseResult): string[][] {
  const percentOf = (phase: PhaseResult) => new Map(phase.usage.map((usage) => [usage.name, usage.cpuPercent]));
  const [before, during] = [percentOf(plain), percentOf(reports)];
  // The reports phase's order first: it has the rows a plain phase may lack (the report worker's backend).
  const names = [...new Set([...during.keys(), ...before.keys()])];
  const rows = [['CPU (% of one core)', 'plain', 'with reports', 'change']];
  for (const name of names) {
    const [was, is] = [before.get(name), during.get(name)];
    const change = was === undefined || is === undefined ? '-' : signed(is - was);
    rows.push([`  ${name}`, was === undefined ? '-' : cpu(was), is === undefined ? '-' : cpu(is), change]);
  }
  const cores = cpus().length;
  const [machineBefore, machineDuring] = [plain.machineBusyPercent * cores, reports.machineBusyPercent * cores];
  rows.push([
    `  whole machine, all processes (of ${cores * 100} %)`,
    cpu(machineBefore),
    cpu(machineDuring),
    signed(machineDuring - machineBefore),
  ]);
  return rows;
}

function durations(summary: DurationSummary): string {
  if (summary.count === 0) return 'none made';
  return `${summary.count} made, p50 ${rate(summary.p50Ms)} ms, max ${rate(summary.maxMs)} ms`;
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(0)}`;
}

function overload(result: BenchResult): string {
  const phase = result.overload;
  if (!phase) return `Overload phase: skipped (${result.overloadSkipped ?? 'not run'})`;
  return [
    `Overload: ${rate(phase.offeredRate ?? 0)} events/s offered (${result.options.overloadRate === null ? 'twice the sustained stored rate' : 'fixed by --overload-rate'}) for ${phase.phaseSeconds} s, the usual mix`,
    `  alarm end-to-end p50 / p99 / max: ${ms(phase.alarm.p50Ms)} / ${ms(phase.alarm.p99Ms)} / ${ms(phase.alarm.maxMs)} ms; ` +
      `${phase.alarmsLost} of ${phase.alarmsSent} alarms lost`,
    `  backlog: ${drainText(phase)}`,
  ].join('\n');
}

function drainText(phase: PhaseResult): string {
  return phase.drainMs === null
    ? `did not drain within ${phase.drainCapSeconds} s after the phase (${phase.stored} of ${phase.sent} stored by then; the next phase started behind it)`
    : `all ${phase.sent} events stored ${(phase.drainMs / 1000).toFixed(1)} s after the phase ended`;
}

function resources(result: BenchResult): string {
  const { fixedRate, saturation } = result;
  const saturationUsage = new Map((saturation?.usage ?? []).map((usage) => [usage.name, usage]));
  const perEvent = saturation ? cpuPerEvent(saturation) : null;
  const label = `${rate(fixedRate.offeredRate ?? 0)}/s`;
  const rows = [['Process', `RSS at ${label}`, 'peak RSS', `CPU at ${label}`, 'CPU saturated', 'CPU ms/event']];
  for (const usage of fixedRate.usage) {
    const saturated = saturationUsage.get(usage.name);
    const peak = Math.max(usage.peakRssMb ?? 0, saturated?.peakRssMb ?? 0);
    const cpuMs = perEvent?.perProcess.get(usage.name);
    rows.push([
      `  ${usage.name}`,
      mb(usage.rssMb),
      usage.peakRssMb === null ? '-' : mb(peak),
      cpu(usage.cpuPercent),
      saturated ? cpu(saturated.cpuPercent) : '-',
      cpuMs === undefined ? '-' : cpuMs.toFixed(3),
    ]);
  }
  const cores = cpus().length;
  const machine = (busy: number): string => cpu(busy * cores);
  rows.push([
    '  all processes under test (not the benchmark)',
    '',
    '',
    '',
    '',
    perEvent ? perEvent.total.toFixed(3) : '-',
  ]);
  rows.push([
    `  whole machine, all processes (of ${cores * 100} %)`,
    '',
    '',
    machine(fixedRate.machineBusyPercent),
    saturation ? machine(saturation.machineBusyPercent) : '-',
    '',
  ]);
  return [
    'Memory and CPU (CPU in % of one core)',
    table(rows),
    '  CPU ms/event = CPU time in the saturation window / events stored in the window (end to end, any phase)',
    ...(saturation && saturation.ingestRate > saturation.storedRate * 1.1
      ? [
          `  (ingest ran ahead of storing, ${rate(saturation.ingestRate)}/s vs ${rate(saturation.storedRate)}/s: the ingest side's CPU is`,
          '   spread over fewer events than it handled, so its ms/event is overstated; the total is CPU per event delivered)',
        ]
      : []),
  ].join('\n');
}

function connections(result: BenchResult): string {
  const c = result.connections;
  if (!c) return '';
  return [
    `Many connections: ${c.target} asked (${c.senders} sending devices, ${c.idleAsked} idle, test account, ${c.sourceAddresses} loopback source addresses)`,
    ...(c.capped ? [`  ${c.overflow ? 'OVERFLOW' : 'CAPPED'}: ${c.capped}`] : []),
    `  idle connected: ${c.idleConnected} in ${c.connectSeconds.toFixed(1)} s, ${c.idleFailed} failed`,
    `  held after the fixed-rate phase: ${c.heldAfter} (benchmark side); sockets held by the broker: ${c.brokerSockets ?? 'n/a'}`,
    ...(c.overflow
      ? [
          `  of them on the overflow broker (bridged): ${c.overflow.heldAfter} idle; sockets it holds: ${c.overflow.brokerSockets ?? 'n/a'}`,
        ]
      : []),
    `  alarm end-to-end at ${rate(result.fixedRate.offeredRate ?? 0)}/s with them: p50 / p99 / max ` +
      `${ms(result.fixedRate.alarm.p50Ms)} / ${ms(result.fixedRate.alarm.p99Ms)} / ${ms(result.fixedRate.alarm.maxMs)} ms, ` +
      `${result.fixedRate.alarmsLost} of ${result.fixedRate.alarmsSent} lost (memory per process: the table above)`,
  ].join('\n');
}

function targets(result: BenchResult): string {
  const { fixedRate, saturation, overload, mqttLimit, options } = result;
  const lines = ['Targets (issue 11; 2-core machine, everything on one box)'];
  const manyConnections = result.connections !== null;

  if (!saturation) lines.push(`  sustained end-to-end rate: n/a (no saturation phase)`);
  else {
    const stored = saturation.storedRate;
    const ratio = stored / mqttLimit.messagesPerSec;
    const lost = saturation.sent - saturation.stored;
    lines.push(
      `  sustained end-to-end (stored) >= ${rate(SUSTAINED_RATE_TARGET)}/s and >= ${percent(SUSTAINED_MQTT_RATIO_TARGET)} of the bare MQTT loop, 0 lost: ` +
        `${verdict(stored >= SUSTAINED_RATE_TARGET && ratio >= SUSTAINED_MQTT_RATIO_TARGET && lost === 0 && result.publishErrors === 0)} ` +
        `(${rate(stored)}/s, ${percent(ratio)}, ${lost} not stored within ${saturation.drainCapSeconds} s, ${result.publishErrors} publish errors)`,
    );
  }

  const latency = alarmLatencyVerdict(fixedRate, ALARM_P99_TARGET_MS);
  lines.push(
    manyConnections
      ? `  at ${LATENCY_TARGET_RATE} events/s, alarm end-to-end p99 < ${ALARM_P99_TARGET_MS} ms: see the ${CONNECTIONS_TARGET}-device line (this run asks for ${options.connections} connections)`
      : `  at ${LATENCY_TARGET_RATE} events/s offered, alarm end-to-end p99 < ${ALARM_P99_TARGET_MS} ms, 0 alarms lost: ${latency}`,
  );

  if (result.monthReports)
    lines.push(`  the same while month reports are made: ${monthReportsVerdict(result.monthReports)}`);

  if (!overload) lines.push(`  overload: n/a (${result.overloadSkipped ?? 'not run'})`);
  else {
    const drained = overload.drainMs !== null;
    const pass = overload.alarmsLost === 0 && overload.alarm.p99Ms < OVERLOAD_ALARM_P99_TARGET_MS && drained;
    lines.push(
      `  overload (${result.options.overloadRate === null ? '2x sustained' : 'NOT 2x sustained: --overload-rate'}), alarm p99 < ${OVERLOAD_ALARM_P99_TARGET_MS} ms, 0 alarms lost, backlog drains: ${verdict(pass)} ` +
        `(p99 ${ms(overload.alarm.p99Ms)} ms, ${overload.alarmsLost} lost, ` +
        `${drained ? `drained in ${(overload.drainMs! / 1000).toFixed(1)} s` : `did not drain within ${overload.drainCapSeconds} s`})`,
    );
  }

  const perEvent = saturation ? cpuPerEvent(saturation) : null;
  lines.push(
    perEvent
      ? `  all processes together <= ${CPU_MS_PER_EVENT_TARGET} ms CPU per event at the sustained rate: ${verdict(perEvent.total <= CPU_MS_PER_EVENT_TARGET)} (${perEvent.total.toFixed(3)} ms)`
      : `  CPU per event at the sustained rate: n/a (no saturation phase, or nothing stored in it)`,
  );

  const c = result.connections;
  lines.push(
    c && c.target >= CONNECTIONS_TARGET
      ? `  ${CONNECTIONS_TARGET} devices connected keep the alarm p99 < ${ALARM_P99_TARGET_MS} ms at ${LATENCY_TARGET_RATE}/s: ` +
          connectionsVerdict(c, latency)
      : `  ${CONNECTIONS_TARGET} devices keep the alarm p99 < ${ALARM_P99_TARGET_MS} ms: n/a (run with --connections ${CONNECTIONS_TARGET})`,
  );
  return lines.join('\n');
}

/** The latency verdict when every connection was held (saying where they were), else MISS. */
function connectionsVerdict(c: ConnectionsResult, latency: string): string {
  if (c.heldAfter < CONNECTIONS_TARGET) {
    const why = c.capped ? `, see ${c.overflow ? 'OVERFLOW' : 'CAPPED'} above` : '';
    return `MISS (only ${c.heldAfter} of ${CONNECTIONS_TARGET} connections held${why}; at those: ${latency})`;
  }
  if (!c.overflow) return latency;
  return `${latency} (on two bridged brokers: ${c.heldAfter - c.overflow.heldAfter} + ${c.overflow.heldAfter})`;
}

/** PASS/MISS for an alarm p99 target at LATENCY_TARGET_RATE offered: rate kept, nothing lost. */
function alarmLatencyVerdict(phase: PhaseResult, targetMs: number): string {
  if (phase.offeredRate !== LATENCY_TARGET_RATE)
    return `n/a (measured at ${rate(phase.offeredRate ?? 0)}/s; run with --rate ${LATENCY_TARGET_RATE})`;
  const kept = phase.ingestRate >= phase.offeredRate * 0.98;
  const pass = kept && phase.alarmsSent > 0 && phase.alarmsLost === 0 && phase.alarm.p99Ms < targetMs;
  const notes = [
    `p99 ${ms(phase.alarm.p99Ms)} ms${phase.alarmsLost > 0 ? ' (a lower bound)' : ''}`,
    `${phase.alarmsLost} of ${phase.alarmsSent} alarms lost`,
    ...(kept ? [] : [`ingest did not keep the rate: ${rate(phase.ingestRate)}/s`]),
  ];
  return `${verdict(pass)} (${notes.join('; ')})`;
}

/** The alarm target under month reports; a MISS when no report was made, as the phase then proved nothing. */
function monthReportsVerdict(reports: MonthReportsResult): string {
  if (reports.requests.report.count + reports.requests.pdf.count === 0)
    return `MISS (no report was made during the phase; ${reports.requests.failed} failed)`;
  return alarmLatencyVerdict(reports.phase, ALARM_P99_TARGET_MS);
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
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : (cell ?? '').padStart(widths[column])))
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
