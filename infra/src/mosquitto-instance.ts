import { ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { commandPath } from './commands';
import { freePort } from './free-port';
import { answersMqtt } from './mqtt-probe';
import { guardAgainstOrphan } from './orphan-guard';

export interface MosquittoOptions {
  /** Config, persistence file and log live here; reuse it to keep sessions and queued messages. */
  dataDir: string;
  /** Listener port on 127.0.0.1; a free one when omitted. Pass the old one to restart in place. */
  port?: number;
  /** In a process group of its own, so a terminal's Ctrl-C does not reach it before its users stop. */
  detached?: boolean;
}

export interface RunningMosquitto {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** SIGTERM: Mosquitto writes its persistence file (sessions, queued QoS 1 messages) and exits. */
  stop(): Promise<void>;
  /** SIGKILL: what it queued since its last autosave is gone, as on a power cut. */
  kill(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * A Mosquitto instance of the project's own (own config, port and persistence directory), for
 * tests and benchmarks that restart or kill the broker without touching the machine's service.
 */
export async function startMosquittoInstance(opts: MosquittoOptions): Promise<RunningMosquitto> {
  const mosquitto = commandPath('mosquitto');
  if (!mosquitto) throw new Error('mosquitto is not installed (Debian package "mosquitto")');
  const dataDir = resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  await mkdir(dataDir, { recursive: true });
  const confFile = join(dataDir, 'mosquitto.conf');
  await writeFile(confFile, mosquittoConf(dataDir, port));
  const logFd = openSync(join(dataDir, 'mosquitto.log'), 'a');
  const child = spawn(mosquitto, ['-c', confFile], { stdio: ['ignore', logFd, logFd], detached: opts.detached ?? false });
  closeSync(logFd);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  if (child.pid !== undefined) void exited.then(guardAgainstOrphan(child.pid));
  const url = `mqtt://${HOST}:${port}`;
  if (!(await answersMqtt(url, 30))) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`mosquitto did not answer on ${url}; see ${join(dataDir, 'mosquitto.log')}`);
  }
  return { url, port, pid: child.pid!, dataDir, stop: () => signal(child, exited, 'SIGTERM'), kill: () => signal(child, exited, 'SIGKILL') };
}

function mosquittoConf(dataDir: string, port: number): string {
  return [
    `listener ${port} ${HOST}`,
    'allow_anonymous true',
    // Started as root it would switch to the "mosquitto" user, who cannot write dataDir.
    'user root',
    'persistence true',
    `persistence_location ${dataDir}/`,
    // As docker/mosquitto.conf, the production-like broker.
    'autosave_interval 10',
    'max_queued_messages 100000',
    'set_tcp_nodelay true',
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
    '',
  ].join('\n');
}

async function signal(child: ChildProcess, exited: Promise<void>, sig: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(sig);
  await exited;
}
