import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import { InjectMetric, startWorkerBeside } from '@welfare/platform';
import { Counter } from 'prom-client';
import { IngestorConfig } from '../ingestor.config';
import type {
  CommandConsumerHealth,
  CommandWorkerData,
  CommandWorkerReport,
  CommandWorkerRequest,
} from './command-worker.protocol';

/** A worker that stopped on its own is started again after this long. */
const RESTART_DELAY_MS = 1000;
/** How long a stop may take (its chunk's PUBACKs, the commit) before the thread is ended. */
const STOP_TIMEOUT_MS = 20_000;

/**
 * Runs the command path (command-worker.ts) in a worker thread and keeps what the main thread's
 * health checks and metrics need. A worker that fails to start fails the ingestor's start, as
 * the command connection did when it lived on this thread. One that dies later (a bug, a crash
 * point) is logged and started again: its commands are uncommitted on Kafka and come again, and
 * meanwhile the readiness check says so.
 */
@Injectable()
export class CommandWorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CommandWorkerHost.name);
  private worker: Worker | null = null;
  private stopping = false;
  private connected = false;
  private consumers: CommandConsumerHealth[] = [];

  constructor(
    private readonly config: IngestorConfig,
    @InjectMetric('device_commands_published_total') private readonly published: Counter<'type'>,
  ) {}

  /** The command connection to the MQTT broker is up. */
  get isConnected(): boolean {
    return this.worker !== null && this.connected;
  }

  /** The command worker's consumers (none while it is not running). */
  get consumerStates(): readonly CommandConsumerHealth[] {
    return this.worker === null ? [] : this.consumers;
  }

  /** False while the worker is down (between a death and its restart). */
  get isRunning(): boolean {
    return this.worker !== null;
  }

  /** Ends the worker thread as a crash would (tests); it is started again. */
  crashWorker(): void {
    void this.worker?.terminate();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'stop' } satisfies CommandWorkerRequest);
    const timer = setTimeout(() => {
      this.logger.warn(`command worker did not stop within ${STOP_TIMEOUT_MS} ms; ending it`);
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Resolves once the worker is up; rejects with its reason when it could not start. */
  private start(): Promise<void> {
    const data: CommandWorkerData = { config: { ...this.config } };
    const worker = startWorkerBeside(import.meta.url, 'command-worker', data);
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: CommandWorkerReport) => {
        if (message.kind === 'ready') {
          started = true;
          resolve();
        } else if (message.kind === 'failed') {
          reject(new Error(`device command path: ${message.message}`));
          void worker.terminate();
        } else this.take(message);
      });
      worker.on('error', (error) => this.logger.error({ err: error }, 'command worker failed'));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        this.connected = false;
        this.consumers = [];
        if (!started)
          return reject(new Error(`device command path: worker exited with code ${code} before it started`));
        if (this.stopping) return;
        this.logger.error(`command worker stopped (exit code ${code}); starting another in ${RESTART_DELAY_MS} ms`);
        setTimeout(() => this.restart(), RESTART_DELAY_MS).unref();
      });
    });
  }

  private restart(): void {
    if (this.stopping) return;
    this.start().catch((error: unknown) => {
      this.logger.error({ err: error }, `command worker could not start; trying again in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => this.restart(), RESTART_DELAY_MS).unref();
    });
  }

  private take(message: CommandWorkerReport): void {
    if (message.kind === 'state') {
      this.connected = message.connected;
      this.consumers = message.consumers;
    } else if (message.kind === 'published') {
      for (const type of message.types) this.published.inc({ type });
    }
  }
}
