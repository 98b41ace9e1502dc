import { parseArgs } from 'node:util';
import { DEFAULT_MIX, MixEntry, parseMix } from './event-mix';

export interface BenchOptions {
  /** Events/s offered in the fixed-rate phase (the latency target is set at 1,000/s). */
  rate: number;
  /** Length of the fixed-rate phase, after a warm-up at the same rate. */
  seconds: number;
  warmupSeconds: number;
  /** Length of the saturation phase (as fast as the pipeline takes events). */
  saturationSeconds: number;
  /** Length of the overload phase (twice the sustained rate, open loop); 0 skips it. */
  overloadSeconds: number;
  /**
   * Events/s offered in the overload phase instead of twice the sustained rate; null: twice the
   * sustained rate. The sustained rate scatters with the box's load, and with it the overload rate:
   * runs to be compared with each other need the same offered load.
   */
  overloadRate: number | null;
  /** After each phase, how long to wait at most until its events are stored and its alarms back. */
  drainSeconds: number;
  /** Many-connections mode: connections held in all (the sending devices plus idle ones); 0 is off. */
  connections: number;
  /** Saturation: events kept in flight (published, not yet on Kafka). */
  window: number;
  devices: number;
  mix: MixEntry[];
  /** Length of the bare MQTT publish-subscribe loop. */
  mqttLoopSeconds: number;
  /** Records Kafka's producer performance tool sends. */
  kafkaRecords: number;
  /** Results file, one row per run; empty to skip. */
  csv: string;
  /** Use this MQTT broker instead of starting a private Mosquitto. */
  mqttUrl: string | undefined;
  /** Use the machine's MQTT broker (as npm start finds it) instead of a private Mosquitto. */
  sharedBroker: boolean;
  /** Keep the work dir (Kafka data, service logs) after the run. */
  keep: boolean;
  /** Run a private PostgreSQL with pg_stat_statements and report the statements' times. */
  postgresProfile: boolean;
  /**
   * Scheduling priority (nice, -20..19) of the ingestor's process; null leaves it as started.
   * An experiment: what the alarm path gains when the ingestor is not starved of CPU by the
   * other processes on the box, as it would not be on a machine of its own.
   */
  ingestorNice: number | null;
  /**
   * A second fixed-rate phase right after the first, while month reports are made back to back
   * through the response centre's report API, for the benchmark's municipality seeded with this
   * many alarms in the month; null leaves it out.
   */
  monthReports: { alarms: number } | null;
}

export const DEFAULT_MONTH_REPORT_ALARMS = 100_000;

const USAGE = `usage: npm run bench -- [options]
  --rate N                events/s in the fixed-rate phase (default 1000)
  --seconds N             fixed-rate phase length, s (default 20)
  --warmup N              warm-up before it, as fast as the pipeline goes, then drained, s (default 10)
  --saturation-seconds N  saturation phase length, s (default 15; 0 skips it; 0 with --connections)
  --overload-seconds N    overload phase at twice the sustained (saturation) rate, s (default 20; 0 skips it;
                          0 with --connections)
  --overload-rate N       offer N events/s in the overload phase instead of twice the sustained rate (to compare
                          runs at the same load; the overload verdict is then not the target's definition)
  --drain-seconds N       after each phase, wait at most this long for its events to be stored and its
                          alarms confirmed; what is still missing then counts lost (default 60)
  --connections N         many-connections mode: N connections in all, the --devices senders at --rate
                          and the rest idle (e.g. 20000); reports connections held, memory, alarm latency
  --window N              saturation: events in flight, published but not yet on Kafka (default 400)
  --devices N             simulated devices, one MQTT connection each (default 200)
  --mix LIST              event mix, type=weight,... (default ${DEFAULT_MIX})
  --mqtt-loop-seconds N   bare MQTT publish-subscribe loop length, s (default 5)
  --kafka-records N       records for Kafka's ProducerPerformance (default 500000)
  --csv PATH              results file, a row appended per run (default bench/results.csv; '' skips)
  --mqtt-url URL          MQTT broker to use (default: a private Mosquitto with docker/mosquitto.conf settings)
  --shared-broker         use the machine's MQTT broker, as npm start finds it (other clients' traffic mixes in)
  --keep                  keep the work dir (Kafka data, service logs)
  --ingestor-nice=N       run the ingestor at this nice value (-20..19; below 0 needs root): an experiment on
                          how much of the alarm latency is the ingestor waiting for CPU on this shared box
  --postgres-profile      a private PostgreSQL cluster with pg_stat_statements (instead of the machine's):
                          the statements' times in the saturation and overload phases, per event stored
  --with-month-reports    the reports' cost to the alarm path: after the fixed-rate phase a second one like it,
                          while month reports and their PDFs are made back to back through the response
                          centre's report API; both side by side. First seeds a month of alarms for the
                          benchmark's municipality and waits until it is folded (minutes more)
  --month-report-alarms N alarms in that month (default ${DEFAULT_MONTH_REPORT_ALARMS}; only with --with-month-reports)
`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '10' },
      'saturation-seconds': { type: 'string' },
      'overload-seconds': { type: 'string' },
      'overload-rate': { type: 'string' },
      'drain-seconds': { type: 'string', default: '60' },
      connections: { type: 'string', default: '0' },
      window: { type: 'string', default: '400' },
      devices: { type: 'string', default: '200' },
      mix: { type: 'string', default: DEFAULT_MIX },
      'mqtt-loop-seconds': { type: 'string', default: '5' },
      'kafka-records': { type: 'string', default: '500000' },
      csv: { type: 'string', default: 'bench/results.csv' },
      'mqtt-url': { type: 'string' },
      'shared-broker': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'postgres-profile': { type: 'boolean', default: false },
      'ingestor-nice': { type: 'string' },
      'with-month-reports': { type: 'boolean', default: false },
      'month-report-alarms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const connections = atLeastZero('connections', values.connections!);
  const devices = positive('devices', values.devices!);
  if (connections > 0 && connections < devices)
    throw new Error(`--connections (${connections}) must be at least --devices (${devices})\n${USAGE}`);
  // The many-connections mode measures connections and the latency at --rate, not the ceiling.
  const phaseDefault = connections > 0 ? '0' : undefined;
  return {
    rate: positive('rate', values.rate!),
    seconds: positive('seconds', values.seconds!),
    warmupSeconds: atLeastZero('warmup', values.warmup!),
    saturationSeconds: atLeastZero('saturation-seconds', values['saturation-seconds'] ?? phaseDefault ?? '15'),
    overloadSeconds: atLeastZero('overload-seconds', values['overload-seconds'] ?? phaseDefault ?? '20'),
    overloadRate: values['overload-rate'] === undefined ? null : positive('overload-rate', values['overload-rate']),
    drainSeconds: positive('drain-seconds', values['drain-seconds']!),
    connections,
    window: positive('window', values.window!),
    devices,
    mix: parseMix(values.mix!),
    mqttLoopSeconds: positive('mqtt-loop-seconds', values['mqtt-loop-seconds']!),
    kafkaRecords: positive('kafka-records', values['kafka-records']!),
    csv: values.csv!,
    mqttUrl: values['mqtt-url'],
    sharedBroker: values['shared-broker']!,
    keep: values.keep!,
    postgresProfile: values['postgres-profile']!,
    ingestorNice: values['ingestor-nice'] === undefined ? null : niceValue(values['ingestor-nice']),
    monthReports: monthReports(values['with-month-reports']!, values['month-report-alarms']),
  };
}

function monthReports(on: boolean, alarms: string | undefined): BenchOptions['monthReports'] {
  if (!on) {
    if (alarms !== undefined) throw new Error(`--month-report-alarms needs --with-month-reports\n${USAGE}`);
    return null;
  }
  return { alarms: positive('month-report-alarms', alarms ?? String(DEFAULT_MONTH_REPORT_ALARMS)) };
}

function niceValue(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < -20 || value > 19)
    throw new Error(`--ingestor-nice must be a whole number from -20 to 19, got "${text}"\n${USAGE}`);
  return value;
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer, got "${text}"\n${USAGE}`);
  return value;
}

function atLeastZero(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number >= 0, got "${text}"\n${USAGE}`);
  return value;
}
