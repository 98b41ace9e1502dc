import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@welfare/platform';
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

/**
 * From dist (`npm run build`) the worker is the compiled report-worker.js beside this file. From
 * the TypeScript sources (the tests, under ts-jest) Node cannot load .ts on its own: the worker
 * then registers a loader that transpiles each .ts file with TypeScript as it is imported.
 */
function spawnReportWorker(workerData: ReportWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./report-worker.js', here), { workerData });
  const bootstrap = `
    import('node:module').then(({ register }) => {
      register(${JSON.stringify(TS_LOADER)}, { data: { base: ${JSON.stringify(here)} } });
      return import(${JSON.stringify(new URL('./report-worker.ts', here).href)});
    }).catch((error) => { console.error(error); process.exit(1); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** An ES module loader (as a data: URL) for the sources: extensionless relative imports find their .ts. */
const TS_LOADER = `data:text/javascript,${encodeURIComponent(`
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
let ts;
export function initialize({ base }) { ts = createRequire(base)('typescript'); }
export async function resolve(specifier, context, next) {
  if (/^\\.\\.?\\//.test(specifier) && context.parentURL?.endsWith('.ts') && !/\\.[cm]?[jt]s$/.test(specifier)) {
    const url = new URL(specifier + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const { outputText } = ts.transpileModule(readFileSync(fileURLToPath(url), 'utf8'), {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
`)}`;
