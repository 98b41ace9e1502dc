/**
 * One of our services (ingestor, response centre) run from dist/ as a child process, the way
 * production runs it, with its output in a log file so the progress display stays readable.
 */
import { basename } from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { guardAgainstOrphan } from '@welfare/infra';

export interface ServiceProcess {
  name: string;
  pid: number;
  /** http://127.0.0.1:PORT */
  url: string;
  logFile: string;
  /** SIGTERM (graceful: in-flight work finishes), SIGKILL after the grace period. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 25_000;

export async function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  logFile: string,
): Promise<ServiceProcess> {
  const port = env.HTTP_PORT;
  const child = spawnLogged(entry, env, logFile);
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const unguard = guardAgainstOrphan(child.pid);
  void exited.then(unguard);
  const service: ServiceProcess = {
    name,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    logFile,
    stop: () => stopChild(child, exited),
  };
  try {
    await waitUntilReady(service, exited);
  } catch (error) {
    await service.stop();
    throw new Error(`${name}: ${(error as Error).message}\n--- end of ${logFile} ---\n${tail(logFile, 20)}`, {
      cause: error,
    });
  }
  return service;
}

function spawnLogged(entry: string, env: Record<string, string>, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    // Own process group: a Ctrl-C reaches only the benchmark, which then stops services in order.
    return spawn(process.execPath, [...profilerArgs(logFile), entry], {
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * With BENCH_CPU_PROF_DIR set, each service writes a V8 CPU profile there when it stops, named
 * after its log (summarise with cpu-profile-summary.js). Not an option of NODE_OPTIONS: Node
 * refuses --cpu-prof there.
 */
function profilerArgs(logFile: string): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  if (!dir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${basename(logFile, '.log')}.cpuprofile`];
}

async function waitUntilReady(service: ServiceProcess, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) throw new Error('exited during start-up');
    try {
      if ((await fetch(`${service.url}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s`);
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** Sum of the Prometheus samples of `metric` whose labels pass `labelFilter`. */
export async function scrapeCounter(
  service: ServiceProcess,
  metric: string,
  labelFilter: (labels: string) => boolean = () => true,
): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (match && match[1] === metric && labelFilter(match[2] ?? '')) sum += Number(match[3]);
  }
  return sum;
}
