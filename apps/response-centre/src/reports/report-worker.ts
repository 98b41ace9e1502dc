/**
 * The report worker (a `node:worker_threads` thread, started by ReportWorkers): has a period's
 * figures computed by the database over a connection of its own (report-figures-sql.ts) and
 * renders the CSV or PDF, so none of that runs on the event loop that takes alarms in.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { basename } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { reportCsv } from './report-csv';
import { reportFiguresFromDatabase, type RunQuery } from './report-figures-sql';
import { reportPdf } from './report-pdf';
import {
  REPORT_WORKER_APPLICATION_NAME,
  REPORT_WORKER_NICE,
  type ReportAnswer,
  type ReportJob,
  type ReportWorkerData,
} from './report-worker-protocol';

const { databaseUrl } = workerData as ReportWorkerData;

// On Linux each thread has an id of its own (/proc/thread-self is <pid>/task/<tid>): niced, this
// thread gives way to the alarm path's thread when the cores are busy. Elsewhere it keeps the default.
try {
  setPriority(Number(basename(readlinkSync('/proc/thread-self'))), REPORT_WORKER_NICE);
} catch {
  // no /proc, or not allowed: the report simply runs at the process's priority
}
// One connection, read-only by session default: reports never write, and a worker takes no more
// than one of the database's connections from the service. No parallel workers either: they took
// more CPU in all than the one backend alone (npm run bench:reports), CPU the alarm path shares.
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: 1,
  application_name: REPORT_WORKER_APPLICATION_NAME,
  options: '-c default_transaction_read_only=on -c max_parallel_workers_per_gather=0',
});
// An idle connection that breaks is replaced at the next query; without a listener it would end the thread.
pool.on('error', () => undefined);

const query: RunQuery = async <Row>(sql: string, parameters: unknown[]) =>
  (await pool.query(sql, parameters)).rows as Row[];

async function answer(job: ReportJob): Promise<ReportAnswer> {
  const report = {
    subject: job.subject,
    figures: await reportFiguresFromDatabase(query, job.facts, job.period, job.madeAt),
  };
  if (job.output === 'figures') return { id: job.id, report };
  if (job.output === 'csv') return { id: job.id, file: Buffer.from(reportCsv(report), 'utf8') };
  return { id: job.id, file: await reportPdf(report, job.madeAt) };
}

parentPort!.on('message', (job: ReportJob) => {
  answer(job).then(
    (result) => parentPort!.postMessage(result),
    (error: unknown) =>
      parentPort!.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
