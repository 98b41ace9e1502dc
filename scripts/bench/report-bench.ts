/**
 * `npm run bench:reports`: a month of alarms for one municipality (100,000 by default, the
 * issue's target), seeded straight into a database of its own as the handling log would hold
 * them; then it times the report read model's first fold of that log, the report API's work
 * (catch up, read the facts, compute the figures), the PDF and the CSV, each report statement's
 * EXPLAIN ANALYZE and the CPU time the database spends on it (which the box's load moves far less
 * than the wall times), and the latency of an alarm-opening write (alarm row + "received" step in
 * one transaction, as the intake writes it)
 * idle and while reports (and PDFs) are made back to back: by the report worker thread, as the
 * response centre makes them, and for comparison on the benchmark's own event loop, as the
 * response centre made them before the worker.
 *
 *   npm run bench:reports -- [--alarms 100000] [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--keep-database]
 *
 * --keep-database leaves the seeded database in place (its name is printed) to EXPLAIN the
 * report's statements on it by hand; drop it afterwards.
 *
 * Not a test: it takes minutes and measures this machine.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@welfare/persistence';
import type { Actor } from '@welfare/access';
import { SystemClock } from '@welfare/platform';
import { responseCentreEntities, responseCentreMigrations } from '../../apps/response-centre/src/database/schema';
import { ReportFactsRepository, STEPS_AFTER_SQL } from '../../apps/response-centre/src/reports/report-facts.repository';
import { ReportProjectionService } from '../../apps/response-centre/src/reports/report-projection.service';
import { ReportWorkers } from '../../apps/response-centre/src/reports/report-workers';
import { DeviceHeardHoursService } from '../../apps/response-centre/src/reports/device-heard-hours.service';
import { ReportsService } from '../../apps/response-centre/src/reports/reports.service';
import { reportPdf } from '../../apps/response-centre/src/reports/report-pdf';
import { reportCsv } from '../../apps/response-centre/src/reports/report-csv';
import { reportFigures } from '../../apps/response-centre/src/reports/report-figures';
import {
  reportFiguresFromDatabase,
  reportStatements,
  type RunQuery,
} from '../../apps/response-centre/src/reports/report-figures-sql';
import { parsePeriod } from '../../apps/response-centre/src/reports/report-period';
import { SEEDED_PERIOD, seedMonthOfAlarms } from './month-of-alarms';

const { values } = parseArgs({
  options: {
    alarms: { type: 'string', default: '100000' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'keep-database': { type: 'boolean', default: false },
  },
});
const ALARMS = Number(values.alarms);
const MUNICIPALITY = randomUUID();
const CENTRE = randomUUID();
const SUPERVISOR: Actor = {
  subject: 'bench-supervisor',
  name: 'Bench',
  roles: ['supervisor'],
  responseCentreId: CENTRE,
  municipalityId: null,
  homeCareTeamId: null,
};

async function main(): Promise<void> {
  process.stdout.write(
    `load average before: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}\n`,
  );
  const name = `report_bench_${Date.now()}`;
  const admin = new Client({ connectionString: values['database-url'] });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(values['database-url']!);
  url.pathname = `/${name}`;
  const dataSource = new DataSource(
    postgresDataSourceOptions({
      url: url.toString(),
      poolSize: 6,
      applicationName: 'report-bench',
      entities: responseCentreEntities,
      migrations: responseCentreMigrations,
    }),
  );
  let stop = async (): Promise<void> => undefined;
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const seeded = await timed(() => seed(dataSource));
    line(`seeded ${ALARMS} alarms of ${SEEDED_PERIOD} with their handling log`, seeded.ms);
    // Statistics as autovacuum keeps them on a running system; the seed came in one transaction.
    await dataSource.query(`ANALYZE alarms, alarm_handling_log`);
    const facts = new ReportFactsRepository(dataSource);
    const projection = new ReportProjectionService(dataSource, facts);
    const workers = new ReportWorkers({ DATABASE_URL: url.toString() });
    workers.onModuleInit();
    stop = () => workers.onModuleDestroy();
    const reports = new ReportsService(
      dataSource,
      projection,
      workers,
      new DeviceHeardHoursService(dataSource),
      new SystemClock(),
    );
    // The first fold after an upgrade parses its pieces on the service's own loop: alarm writes meanwhile show what that costs.
    let folding = true;
    const duringFold = openingLatencies(dataSource, 300, () => !folding);
    const folded = await timed(() => projection.catchUp());
    folding = false;
    line(`first fold of the log into the read model (${folded.value} steps)`, folded.ms);
    line('alarm-opening write, during that first fold: p50 / p99 / max', await duringFold);
    // The read model as autovacuum keeps it once the month is folded: the fold's upserts left a dead
    // row version or more behind each fact, and the planner had no statistics of the table.
    await dataSource.query(`VACUUM ANALYZE report_alarm_facts`);
    const runs: number[] = [];
    let report = await reports.forMunicipality(SUPERVISOR, MUNICIPALITY, SEEDED_PERIOD);
    for (let run = 0; run < 5; run++) {
      const made = await timed(() => reports.forMunicipality(SUPERVISOR, MUNICIPALITY, SEEDED_PERIOD));
      runs.push(made.ms);
      report = made.value;
    }
    line(`report API work in the worker, a month of ${report.figures.alarms} alarms (median of 5)`, median(runs));
    // A month without alarms: what a report costs besides its rows (fencing, both folds, the hop to the worker and back).
    line(
      '  of which fixed: the same for a month without alarms (median of 5)',
      median(await repeat(5, () => reports.forMunicipality(SUPERVISOR, MUNICIPALITY, '2026-05'))),
    );
    const pdfs: number[] = [];
    for (let run = 0; run < 3; run++)
      pdfs.push(
        (await timed(() => reports.municipalityFile(SUPERVISOR, MUNICIPALITY, SEEDED_PERIOD, 'pdf', new Date()))).ms,
      );
    line('PDF download work in the worker (report and PDF, median of 3)', median(pdfs));
    const period = parsePeriod(SEEDED_PERIOD);
    const subject = { municipalityId: MUNICIPALITY, responseCentreId: CENTRE };
    line(
      '  of which: the fold before it, when the read model is current (median of 5)',
      median(await repeat(5, () => projection.catchUp())),
    );
    const read = await timed(() => facts.factsFor(subject, period.from, period.to));
    line('  for comparison, on this thread: reading all the facts (as before the figures moved into SQL)', read.ms);
    line(
      '  for comparison, on this thread: the figures from those facts in JavaScript',
      (await timed(async () => reportFigures(period, read.value))).ms,
    );
    const runQuery: RunQuery = (sql, parameters) => dataSource.query(sql, parameters);
    line(
      '  the figures computed by PostgreSQL, from this thread (median of 5)',
      median(await repeat(5, () => reportFiguresFromDatabase(runQuery, subject, period, new Date()))),
    );
    const statements = reportStatements(subject, period, new Date());
    for (const name of ['totals', 'groups', 'followUp'] as const)
      line(
        `    EXPLAIN ANALYZE of the ${name} statement: execution time`,
        await executionTime(dataSource, statements[name], statements.parameters),
      );
    for (const name of ['totals', 'groups', 'followUp'] as const)
      line(
        `    CPU time of PostgreSQL's backend for the ${name} statement, parallel workers off (median of 5)`,
        await backendCpu(dataSource, statements[name], statements.parameters),
      );
    line(
      "    EXPLAIN ANALYZE of the fold's read of steps after its position: execution time",
      await executionTime(dataSource, STEPS_AFTER_SQL, [...(await currentPosition(dataSource)), 5000]),
    );
    for (const [name, sql, parameters] of [
      ["the fold's read", STEPS_AFTER_SQL, [...(await currentPosition(dataSource)), 5000]],
      ['the totals statement', statements.totals, statements.parameters],
      ['the groups statement', statements.groups, statements.parameters],
      ['the followUp statement', statements.followUp, statements.parameters],
    ] as const)
      process.stdout.write(`plan of ${name}:\n${await plan(dataSource, sql, [...parameters])}\n`);
    line('  PDF rendering alone, on this thread', (await timed(() => reportPdf(report, new Date()))).ms);
    line('  CSV rendering alone, on this thread', (await timed(async () => reportCsv(report))).ms);
    const idle = await openingLatencies(dataSource, 300);
    line(`alarm-opening write, idle: p50 / p99 / max`, idle);
    const inWorker: Reporter = async (withPdf) => {
      if (withPdf) await reports.municipalityFile(SUPERVISOR, MUNICIPALITY, SEEDED_PERIOD, 'pdf', new Date());
      else await reports.forMunicipality(SUPERVISOR, MUNICIPALITY, SEEDED_PERIOD);
    };
    // As before the worker: the facts read, the figures computed and the PDF drawn on this event loop.
    const onThisLoop: Reporter = async (withPdf) => {
      await projection.catchUp();
      const figures = await reportFiguresFromDatabase(runQuery, subject, period, new Date());
      if (withPdf)
        await reportPdf({ subject: { kind: 'municipality', id: MUNICIPALITY, name: 'Benkmark' }, figures }, new Date());
    };
    for (const [where, reporter] of [
      ['in the report worker', inWorker],
      ['on the same event loop (as before the worker)', onThisLoop],
    ] as const)
      for (const withPdf of [false, true]) {
        const busy = await whileReporting(reporter, withPdf, (made) =>
          openingLatencies(dataSource, 300, () => made() >= 3),
        );
        line(
          `alarm-opening write, while ${busy.made} month reports${withPdf ? ' + PDFs' : ''} were made ${where}: p50 / p99 / max`,
          busy.value,
        );
      }
    process.stdout.write(
      `load average after: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}\n`,
    );
  } finally {
    await stop();
    await dataSource.destroy().catch(() => undefined);
    if (values['keep-database']) process.stdout.write(`database kept: ${url.toString()}\n`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** Makes one month report (and its PDF). */
type Reporter = (withPdf: boolean) => Promise<void>;

/** Runs `work` while month reports (and their PDFs) are made back to back by `reporter`; `work` sees how many are done. */
async function whileReporting<T>(
  reporter: Reporter,
  withPdf: boolean,
  work: (made: () => number) => Promise<T>,
): Promise<{ value: T; made: number }> {
  let reporting = true;
  let made = 0;
  const background = (async () => {
    while (reporting) {
      await reporter(withPdf);
      made++;
    }
  })();
  const value = await work(() => made);
  reporting = false;
  await background;
  return { value, made };
}

/** The municipality as the registry's view would hold it (no registry here), and its month of alarms. */
async function seed(dataSource: DataSource): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `INSERT INTO registry_municipalities (municipality_id, revision, name, response_centre_id, alarm_rule_defaults, deleted, updated_at)
       VALUES ($1, 1, 'Benkmark', $2, '{}', false, now())`,
      [MUNICIPALITY, CENTRE],
    );
    await seedMonthOfAlarms((sql, parameters) => manager.query(sql, parameters), {
      municipalityId: MUNICIPALITY,
      responseCentreId: CENTRE,
      alarms: ALARMS,
    });
  });
}

/**
 * Opens alarms one after another, each as the intake does (alarm row + "received" step, one
 * transaction): at least `count`, and on until `enough` (so the writes span several reports).
 */
async function openingLatencies(dataSource: DataSource, count: number, enough = () => true): Promise<string> {
  const latencies: number[] = [];
  for (let k = 0; k < count || !enough(); k++) {
    const id = randomUUID();
    const started = performance.now();
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO alarms (id, device_id, trigger_event_id, trigger_type, priority, state, triggered_at, opened_at, updated_at,
                             municipality_id, response_centre_id, kind, correlation_key, last_triggered_at)
         VALUES ($1::uuid, 'bench-live', $1::text, 'alarm.button', 1, 'open', now(), now(), now(), $2, $3, 'care', 'live:' || $1::text, now())`,
        [id, MUNICIPALITY, CENTRE],
      );
      await manager.query(
        `INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id) VALUES ($1, 'received', now(), 'device', 'bench-live')`,
        [id],
      );
    });
    latencies.push(performance.now() - started);
  }
  latencies.sort((x, y) => x - y);
  const at = (share: number) => latencies[Math.ceil(share * latencies.length) - 1].toFixed(1);
  return `${at(0.5)} / ${at(0.99)} / ${latencies.at(-1)!.toFixed(1)} ms (${latencies.length} writes)`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

async function repeat(times: number, work: () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let run = 0; run < times; run++) durations.push((await timed(work)).ms);
  return durations;
}

/** PostgreSQL's own execution time of a statement (EXPLAIN ANALYZE), without the transfer to Node. */
async function executionTime(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<string> {
  const [row]: { 'QUERY PLAN': [{ 'Execution Time': number }] }[] = await dataSource.query(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
    parameters,
  );
  return `${row['QUERY PLAN'][0]['Execution Time'].toFixed(0)} ms`;
}

/**
 * The CPU time the server's backend spends on a statement (its /proc schedstat, so only with the
 * server on this machine): the shared box's load moves it far less than the wall time.
 * Parallel workers off, so that the backend does all of the statement's work.
 */
async function backendCpu(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<string> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ pid }]: { pid: number }[] = await runner.query(`SELECT pg_backend_pid() AS pid`);
    const schedstat = `/proc/${pid}/schedstat`;
    if (!existsSync(schedstat)) return 'not measured (the database server is not on this machine)';
    const cpuMs = () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6;
    await runner.query(`SET max_parallel_workers_per_gather = 0`);
    const used: number[] = [];
    for (let run = 0; run < 5; run++) {
      const before = cpuMs();
      await runner.query(sql, parameters);
      used.push(cpuMs() - before);
    }
    return `${median(used).toFixed(0)} ms`;
  } finally {
    await runner.query(`RESET max_parallel_workers_per_gather`);
    await runner.release();
  }
}

/** The statement's EXPLAIN ANALYZE plan as text, indented. */
async function plan(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<string> {
  const rows: { 'QUERY PLAN': string }[] = await dataSource.query(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`,
    parameters,
  );
  return rows.map((row) => `      ${row['QUERY PLAN']}`).join('\n');
}

async function currentPosition(dataSource: DataSource): Promise<[string, string]> {
  const [row]: { tx: string; log_id: string }[] = await dataSource.query(
    `SELECT tx::text AS tx, log_id::text AS log_id FROM report_projection_position`,
  );
  return [row.tx, row.log_id];
}

function median(values: number[]): number {
  return [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
}

function line(what: string, value: number | string): void {
  process.stdout.write(`${what.padEnd(112)} ${typeof value === 'number' ? `${value.toFixed(0)} ms` : value}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`report benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
