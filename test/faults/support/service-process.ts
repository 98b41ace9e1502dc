import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot } from '@welfare/infra';
import { eventually } from '../../support/eventually';

export type ServiceName = 'ingestor' | 'response-centre' | 'scaip-gateway';

/**
 * One service as it runs in production: its built main.js in a process of its own, which a
 * fault test can SIGKILL and start again with the same settings (same MQTT client id, same
 * consumer group), as an orchestrator would.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private port = 0;
  starts = 0;
  /** How the last process ended: its exit code, or the signal that ended it. */
  lastExit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly label: string,
    private readonly service: ServiceName,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    /** The Node.js binary it runs on: the tests' own unless given (another supported LTS line). */
    private readonly nodeBinary: string = process.execPath,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return join(this.logDir, `${this.label}.log`);
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the process and resolves once /health/ready answers 200 (Kafka consumers joined),
   * or at once with `waitUntilReady: false` (a process armed to crash may die before that).
   */
  async start(extraEnv: Record<string, string> = {}, { waitUntilReady = true } = {}): Promise<void> {
    if (this.running) throw new Error(`${this.label} is already running`);
    this.port = await freePort();
    const log = openSync(this.logFile, 'a');
    const entry = join(repoRoot(), 'dist', 'apps', this.service, 'src', 'main.js');
    const child = spawn(this.nodeBinary, [entry], {
      env: { ...process.env, ...this.env, ...extraEnv, HTTP_PORT: String(this.port), HTTP_HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.lastExit = { code, signal };
        resolve();
      }),
    );
    this.starts++;
    if (waitUntilReady) await this.waitUntilReady();
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or acknowledged. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGSTOP / SIGCONT: a process frozen (long GC pause, overloaded host) and thawed. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGTERM: the graceful shutdown an orchestrator asks for. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Resolves when the process has ended by itself (e.g. at a crash point). */
  async waitForExit(timeoutMs = 60_000): Promise<void> {
    await eventually(() => {
      if (this.running) throw new Error(`${this.label} still running`);
    }, timeoutMs);
    await this.exited;
  }

  /** A metric's value summed over its series whose labels include `labels` (e.g. 'outcome="duplicate"'). */
  async metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  private async waitUntilReady(): Promise<void> {
    try {
      await eventually(
        async () => {
          if (!this.running) throw new Error(`${this.label} exited during start-up`);
          const response = await fetch(`${this.url}/health/ready`);
          if (response.status !== 200)
            throw new Error(`${this.label} not ready: ${response.status} ${await response.text()}`);
        },
        // Generous: on a loaded 2-core machine a Node process took over a minute to load its modules.
        120_000,
        200,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${this.logFile} ---\n${this.logTail()}`, { cause: error });
    }
  }
}
