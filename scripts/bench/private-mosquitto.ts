/**
 * A Mosquitto of the benchmark's own: own port, config and persistence dir, settings as in
 * docker/mosquitto.conf (the production-like broker).
 *
 * Why not the machine's broker: every ingestor on it subscribes to `devices/+/events`, so the
 * benchmark's thousands of events per second would flood other ingestors (tests running
 * alongside) and other devices' events would enter the benchmark's pipeline. And the machine's
 * broker runs Mosquitto's defaults, which drop QoS 1 messages for a client past 1,000 queued.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { freePort, hasCommand } from '@welfare/infra';
import { guardAgainstOrphan } from './orphan-guard';

export interface PrivateMosquitto {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_ATTEMPTS = 50;

/** Null when mosquitto is not installed. */
export async function startPrivateMosquitto(dataDir: string): Promise<PrivateMosquitto | null> {
  if (!hasCommand('mosquitto')) return null;
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const confFile = join(dataDir, 'mosquitto.conf');
  await writeFile(confFile, config(dataDir, port));
  const child = spawnLogged(confFile, join(dataDir, 'mosquitto.log'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid !== undefined) void exited.then(guardAgainstOrphan(child.pid));
  const url = `mqtt://${HOST}:${port}`;
  const stop = (): Promise<void> => terminate(child, exited);
  if (child.pid === undefined || !(await answers(url))) {
    await stop();
    throw new Error(`mosquitto did not answer on ${url}; see ${join(dataDir, 'mosquitto.log')}`);
  }
  return { url, pid: child.pid, stop };
}

function config(dataDir: string, port: number): string {
  return [
    `listener ${port} ${HOST}`,
    'allow_anonymous true',
    // Started as root it would switch to the "mosquitto" user, who cannot write dataDir.
    'user root',
    'persistence true',
    `persistence_location ${dataDir}/`,
    'autosave_interval 10',
    'max_queued_messages 100000',
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    '',
  ].join('\n');
}

function spawnLogged(confFile: string, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    // Own process group: on Ctrl-C the broker must outlive the services, which stop first.
    return spawn('mosquitto', ['-c', confFile], { stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
}

async function answers(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
    try {
      const client = await connectAsync(url, { connectTimeout: 1000, reconnectPeriod: 0, clean: true }, false);
      await client.endAsync(true);
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return false;
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
