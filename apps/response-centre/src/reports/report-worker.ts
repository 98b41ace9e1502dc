/**
 * The report worker (a `node:worker_threads` thread, started by ReportWorkers): reads a period's
 * facts over a connection of its own, computes the figures and renders the CSV or PDF, so none
 * of that parsing and computing runs on the event loop that takes alarms in.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { basename } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { FACTS_SQL, type FactMsRow, factsParameters, fromFactMsRow } from './report-facts-query';
import { reportCsv } from './report-csv';
import { reportFigures } from './report-figures';
import { reportPdf } from './report-pdf';
import type { ReportAnswer, ReportJob, ReportWorkerData } from './report-worker-protocol';

const { databaseUrl } = workerData as ReportWorkerData;

// On Linux each thread has an id of its own (/proc/thread-self is <pid>/task/<tid>): niced, this
// thread gives way to the alarm path's thread when the cores are busy. Elsewhere it keeps the default.
try {
  setPriority(Number(basename(readlinkSync('/proc/thread-self'))), 10);
} catch {
  // no /proc, or not allowed: the report simply runs at the process's priority
}
// One connection, read-only by session default: reports never write, and a worker takes no more
// than one of the database's connections from the service.
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: 1,
  application_name: 'response-centre-reports',
  options: '-c default_transaction_read_only=on',
});
// An idle connection that breaks is replaced at the next query; without a listener it would end the thread.
pool.on('error', () => undefined);

async function answer(job: ReportJob): Promise<ReportAnswer> {
  const { rows } = await pool.query<FactMsRow>(FACTS_SQL, factsParameters(job.facts, job.period.from, job.period.to));
  const report = { subject: job.subject, figures: reportFigures(job.period, rows.map(fromFactMsRow)) };
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
