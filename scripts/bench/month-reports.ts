/**
 * `--with-month-reports`: what month reports cost the alarm path. The benchmark's municipality
 * gets a month of alarms (month-of-alarms.ts, as `npm run bench:reports` seeds it) in the running
 * response centre's database; its projection folds them as it folds any log. Then, during a
 * second fixed-rate phase, a supervisor of the serving centre has that month's report and its PDF
 * made back to back through the response centre's report API, one request at a time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DevIssuerFile, mintDevToken } from '@welfare/infra';
import { REPORT_WORKER_NICE } from '../../apps/response-centre/src/reports/report-worker-protocol';
import { PhaseResult } from './bench-result';
import { sleep } from './load-generator';
import { MonthOfAlarms, SEEDED_PERIOD, seedMonthOfAlarms } from './month-of-alarms';
import { BENCH_APPLICATION_NAME } from './stored-events';

/** A report asked for and not answered by then has failed (the worker itself gives up at 120 s). */
const REQUEST_TIMEOUT_MS = 180_000;
/** The first fold of a month took 1-3.5 minutes on this box (README); past this the run gives up. */
const FOLD_TIMEOUT_MS = 15 * 60_000;
const FOLD_POLL_MS = 2000;
const FOLD_PROGRESS_MS = 20_000;
/** After a failed request, before the next: a broken API must not become a busy loop beside the phase. */
const RETRY_PAUSE_MS = 1000;

export type ReportKind = 'report' | 'pdf';

/** How the seeded month came to be ready, before any phase ran. */
export interface MonthReportsSetup {
  alarms: number;
  period: string;
  /** Handling-log steps seeded with the alarms. */
  steps: number;
  seedMs: number;
  /** From the seed's commit until the response centre's projection had folded every seeded step. */
  foldMs: number;
  /** The first report and PDF through the API after the fold (a check that the API answers). */
  firstReportMs: number;
  firstPdfMs: number;
}

/** Durations of one kind of request, ms. */
export interface DurationSummary {
  count: number;
  p50Ms: number;
  maxMs: number;
}

/** The requests made while the phase ran and drained. */
export interface ReportRequests {
  report: DurationSummary;
  pdf: DurationSummary;
  failed: number;
  firstFailure: string | null;
}

export interface MonthReportsResult {
  setup: MonthReportsSetup;
  /** The fixed-rate phase run while the reports were made. */
  phase: PhaseResult;
  requests: ReportRequests;
}

export interface MonthReportsTarget {
  databaseUrl: string;
  /** The response centre's base URL. */
  responseCentreUrl: string;
  issuer: DevIssuerFile;
  month: MonthOfAlarms;
}

/** Count, median (nearest rank) and maximum; zeros for none. */
export function summarizeDurations(durations: number[]): DurationSummary {
  if (durations.length === 0) return { count: 0, p50Ms: 0, maxMs: 0 };
  const sorted = [...durations].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: sorted[Math.ceil(sorted.length / 2) - 1], maxMs: sorted.at(-1)! };
}

/** The report API of the running response centre, as a supervisor of the centre that serves the municipality. */
export class MonthReportApi {
  private constructor(
    private readonly reportUrl: string,
    private readonly token: string,
  ) {}

  static async signIn(target: MonthReportsTarget): Promise<MonthReportApi> {
    const token = await mintDevToken(target.issuer, {
      sub: 'bench-supervisor',
      name: 'Benchmark supervisor',
      roles: ['supervisor'],
      response_centre_id: target.month.responseCentreId,
    });
    const url = `${target.responseCentreUrl}/api/reports/municipalities/${target.month.municipalityId}`;
    return new MonthReportApi(url, token);
  }

  /** Makes the month's report (or its PDF) and reads the whole answer; its duration, ms. Throws on any failure. */
  async make(kind: ReportKind): Promise<number> {
    const started = performance.now();
    const url = `${this.reportUrl}${kind === 'pdf' ? '/pdf' : ''}?period=${SEEDED_PERIOD}`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    // The body is read but not parsed: the benchmark's own event loop drives the devices.
    const body = await response.arrayBuffer();
    if (!response.ok)
      throw new Error(`GET ${url} answered ${response.status}: ${Buffer.from(body).toString('utf8', 0, 300)}`);
    return performance.now() - started;
  }
}

/**
 * Seeds the month into the response centre's database, waits until its projection has folded it,
 * and makes a first report and PDF through the API, so a phase measured after starts from a
 * current read model and a warm report path.
 */
export async function prepareMonthReports(
  target: MonthReportsTarget,
  log: (message: string) => void,
): Promise<{ api: MonthReportApi; setup: Omit<MonthReportsSetup, 'alarms' | 'period'> }> {
  const client = new Client({ connectionString: target.databaseUrl, application_name: BENCH_APPLICATION_NAME });
  client.on('error', () => undefined);
  await client.connect();
  try {
    log(`seeding ${target.month.alarms} alarms of ${SEEDED_PERIOD} for the benchmark's municipality`);
    let started = performance.now();
    const seeded = await seedInOneTransaction(client, target.month);
    const seedMs = performance.now() - started;
    log(`  ${seeded.steps} handling-log steps in ${(seedMs / 1000).toFixed(1)} s; waiting for the report projection`);
    started = performance.now();
    await waitUntilFolded(client, seeded.last, target.month, log);
    const foldMs = performance.now() - started;
    log(`  folded into the read model ${(foldMs / 1000).toFixed(1)} s after the seed`);
    const api = await MonthReportApi.signIn(target);
    const firstReportMs = await api.make('report');
    const firstPdfMs = await api.make('pdf');
    log(`  first report through the API ${firstReportMs.toFixed(0)} ms, its PDF ${firstPdfMs.toFixed(0)} ms`);
    return { api, setup: { steps: seeded.steps, seedMs, foldMs, firstReportMs, firstPdfMs } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface LogPosition {
  tx: string;
  id: string;
}

/** The seed, then ANALYZE (as autovacuum would after a month); the seed's last step's position in the log. */
async function seedInOneTransaction(
  client: Client,
  month: MonthOfAlarms,
): Promise<{ steps: number; last: LogPosition }> {
  await client.query('BEGIN');
  try {
    await seedMonthOfAlarms((sql, parameters) => client.query(sql, parameters), month);
    // Every seeded step carries this transaction's id (tx): the fold is done once it passed the last.
    const { rows } = await client.query<{ tx: string; id: string; steps: string }>(
      `SELECT pg_current_xact_id()::text AS tx, max(id)::text AS id, count(*)::text AS steps
         FROM alarm_handling_log WHERE tx = pg_current_xact_id()`,
    );
    await client.query('COMMIT');
    await client.query('ANALYZE alarms, alarm_handling_log');
    return { steps: Number(rows[0].steps), last: { tx: rows[0].tx, id: rows[0].id } };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Waits until the projection's position is at or past `last`; logs the alarms folded now and then. */
async function waitUntilFolded(
  client: Client,
  last: LogPosition,
  month: MonthOfAlarms,
  log: (message: string) => void,
): Promise<void> {
  const deadline = performance.now() + FOLD_TIMEOUT_MS;
  let nextProgress = performance.now() + FOLD_PROGRESS_MS;
  for (;;) {
    const { rows } = await client.query<{ folded: boolean }>(
      `SELECT (tx, log_id) >= ($1::xid8, $2::bigint) AS folded FROM report_projection_position`,
      [last.tx, last.id],
    );
    if (rows[0]?.folded) return;
    if (performance.now() >= deadline)
      throw new Error(`the report projection had not folded the seeded month after ${FOLD_TIMEOUT_MS / 60_000} min`);
    if (performance.now() >= nextProgress) {
      nextProgress += FOLD_PROGRESS_MS;
      const facts = await client.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM report_alarm_facts WHERE municipality_id = $1`,
        [month.municipalityId],
      );
      log(`  folding: ${facts.rows[0].count} alarms of the municipality in the read model (${month.alarms} seeded)`);
    }
    await sleep(FOLD_POLL_MS);
  }
}

/**
 * Runs `work` while the month's report and its PDF are made in turn, back to back. The first
 * request is answered before `work` starts (the report worker's connection is then open, and the
 * phase's window counts its backend); the requests counted are those answered after `work`
 * started, up to the last one, which is awaited after `work` ends.
 */
export async function whileReportsAreMade<T>(
  api: Pick<MonthReportApi, 'make'>,
  work: () => Promise<T>,
): Promise<{ value: T; requests: ReportRequests }> {
  const durations: Record<ReportKind, number[]> = { report: [], pdf: [] };
  const failures: string[] = [];
  let counting = false;
  let making = true;
  let firstAnswered: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (firstAnswered = resolve));
  const loop = (async () => {
    for (let turn = 0; making; turn++) {
      const kind: ReportKind = turn % 2 === 0 ? 'report' : 'pdf';
      try {
        const ms = await api.make(kind);
        if (counting) durations[kind].push(ms);
      } catch (error) {
        if (counting) failures.push(error instanceof Error ? error.message : String(error));
        await sleep(RETRY_PAUSE_MS);
      }
      firstAnswered();
    }
  })();
  await first;
  counting = true;
  let value: T;
  try {
    value = await work();
  } finally {
    making = false;
    await loop;
  }
  const requests = {
    report: summarizeDurations(durations.report),
    pdf: summarizeDurations(durations.pdf),
    failed: failures.length,
    firstFailure: failures[0] ?? null,
  };
  return { value, requests };
}

/**
 * The report worker's thread in the response centre: the worker thread that niced itself to
 * REPORT_WORKER_NICE (report-worker.ts). Linux only; none found elsewhere.
 */
export function reportWorkerThreads(pid: number): number[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return threads.map(Number).filter((tid) => isReportWorkerThread(`/proc/${pid}/task/${tid}/stat`));
}

function isReportWorkerThread(statFile: string): boolean {
  try {
    const stat = readFileSync(statFile, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Fields after "(comm) ": state is field 3, nice field 19.
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    return name === 'WorkerThread' && nice === REPORT_WORKER_NICE;
  } catch {
    return false; // the thread ended meanwhile
  }
}
