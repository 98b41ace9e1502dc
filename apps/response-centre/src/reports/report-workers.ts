import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DomainError, startWorkerBeside } from '@welfare/platform';
import { ResponseCentreConfig } from '../response-centre.config';
import type { ReportAnswer, ReportJob, ReportWorkerData } from './report-worker-protocol';

/** Longer than a year's report takes; past it the worker is taken for hung, ended and started again. */
const JOB_TIMEOUT_MS = 120_000;

/**
 * Runs reports in a worker thread of their own (report-worker.ts), so that reading a month's
 * facts, computing the figures and drawing the PDF never hold up the response centre's event
 * loop, which takes the alarms in. One worker: reports are rare, and the box's other core is the
 * database's. A worker that dies (or hangs past JOB_TIMEOUT_MS) fails what it had with 503 and is
 * started again.
 */
@Injectable()
export class ReportWorkers implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReportWorkers.name);
  private worker: Worker | null = null;
  private readonly pending = new Map<
    number,
    { resolve(answer: ReportAnswer): void; reject(error: Error): void; timer: NodeJS.Timeout }
  >();
  private nextId = 1;
  private stopping = false;

  constructor(@Inject(ResponseCentreConfig) private readonly config: Pick<ResponseCentreConfig, 'DATABASE_URL'>) {}

  onModuleInit(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll('the response centre is shutting down');
    await worker?.terminate();
  }

  /** The job's answer from the worker; 503 if the worker died or hung meanwhile. */
  async run(job: Omit<ReportJob, 'id'>): Promise<ReportAnswer> {
    const worker = this.worker;
    if (!worker) throw unavailable('the report worker is not running');
    const id = this.nextId++;
    const answer = new Promise<ReportAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.logger.error(`report job ${id} took over ${JOB_TIMEOUT_MS} ms; restarting the report worker`);
        void worker.terminate();
      }, JOB_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
    });
    worker.postMessage({ ...job, id } satisfies ReportJob);
    const result = await answer;
    if ('error' in result) throw new Error(`report failed: ${result.error}`);
    return result;
  }

  private start(): void {
    const worker = this.spawnWorker({ databaseUrl: this.config.DATABASE_URL });
    worker.on('message', (answer: ReportAnswer) => {
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      this.pending.delete(answer.id);
      clearTimeout(waiting.timer);
      waiting.resolve(answer);
    });
    worker.on('error', (error) => this.logger.error({ err: error }, 'report worker failed'));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // ended on purpose by onModuleDestroy
      this.worker = null;
      this.failAll(`the report worker stopped (exit code ${code}); try again`);
      if (this.stopping) return;
      this.logger.warn(`report worker stopped with exit code ${code}; starting another`);
      this.start();
    });
    this.worker = worker;
  }

  /** The report worker beside this file; a test's subclass may start another (one that dies, say). */
  protected spawnWorker(workerData: ReportWorkerData): Worker {
    return spawnReportWorker(workerData);
  }

  private failAll(reason: string): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(unavailable(reason));
      this.pending.delete(id);
    }
  }
}

function unavailable(message: string): DomainError {
  return new DomainError('unavailable', 'report.worker_unavailable', message);
}

/** The compiled report-worker.js beside this file, or its TypeScript source under the tests. */
function spawnReportWorker(workerData: ReportWorkerData): Worker {
  return startWorkerBeside(import.meta.url, 'report-worker', workerData);
}
