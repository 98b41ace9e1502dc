/**
 * The many-connections mode (--connections N): besides the sending devices, N minus those
 * devices idle connections on the same broker, each as a device holds it (its own client id,
 * QoS 1 subscription to a commands topic of its own, keepalive 60 s), connected in batches.
 * The idle ones are not onboarded at the registry (20,000 onboardings would dominate the
 * run): they sign in with the broker's test account and subscribe under welfare-test/, which
 * costs the broker the same as a device's connection and subscription.
 *
 * One process holding 20,000 sockets needs an open-files limit above that (raised here with
 * prlimit when allowed; the idle ones are held by a child process with a limit of its own), and
 * spreads its connections over several loopback source addresses so the ephemeral ports of one
 * address (about 28,000) do not run short.
 */
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MqttClient } from 'mqtt';

export interface ConnectionsResult {
  /** Connections asked for, the sending devices included. */
  target: number;
  senders: number;
  idleAsked: number;
  /** Idle connections up after the connecting. */
  idleConnected: number;
  idleFailed: number;
  connectSeconds: number;
  /** Sending and idle connections still up after the measured phase. */
  heldAfter: number;
  /** Sockets the broker process holds (its /proc fd table), after the measured phase; null when unreadable. */
  brokerSockets: number | null;
  sourceAddresses: number;
  /** Why the broker under test did not take every idle connection (its open-files limit), or null. */
  capped: string | null;
  /** The idle connections the broker under test could not hold, on a second broker bridged to it; null when none. */
  overflow: { idleConnected: number; heldAfter: number; brokerSockets: number | null } | null;
}

/** An idle connection's command topic (the overflow broker's bridge carries '+', this run's all). */
export function idleCommandTopic(tag: string, index: number | string): string {
  return `welfare-test/bench/${tag}/idle/${index}/commands`;
}

const BATCH = 500;
const SOURCE_ADDRESSES = 16;
const CONNECT_TIMEOUT_MS = 30_000;

/** Messages from the child holding the idle connections. */
type ChildMessage =
  | { kind: 'progress'; up: number; failed: number }
  | { kind: 'done'; up: number; failed: number; seconds: number }
  | { kind: 'connected'; connected: number }
  | { kind: 'error'; message: string };

export interface IdleRequest {
  mqttUrl: string;
  count: number;
  login: { username?: string; password?: string };
  tag: string;
  /** Index of the first connection (client ids and topics stay unique over several brokers). */
  firstIndex: number;
}

/**
 * The idle connections live in a child process of their own (idle-connections-child): their
 * sockets count against its open-files limit, not the benchmark's, which holds the senders,
 * the Kafka tap and the database read-backs.
 */
export class IdleConnections {
  private constructor(
    private readonly child: ChildProcess,
    readonly up: number,
    readonly failed: number,
    readonly connectSeconds: number,
  ) {}

  readonly sourceAddresses = SOURCE_ADDRESSES;

  get pid(): number {
    return this.child.pid!;
  }

  static async open(request: IdleRequest, log: (message: string) => void): Promise<IdleConnections> {
    const child = fork(fileURLToPath(new URL('./idle-connections-child.js', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const done = await new Promise<Extract<ChildMessage, { kind: 'done' }>>((resolve, reject) => {
        child.on('message', (message: ChildMessage) => {
          if (message.kind === 'progress') log(`  idle connections: ${message.up} up, ${message.failed} failed`);
          else if (message.kind === 'done') resolve(message);
          else if (message.kind === 'error') reject(new Error(`idle connections: ${message.message}`));
        });
        void exited.then(() => reject(new Error('the idle-connections process exited')));
        child.send(request);
      });
      child.removeAllListeners('message');
      return new IdleConnections(child, done.up, done.failed, done.seconds);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** Idle connections up now, as the child sees them. */
  connected(): Promise<number> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(-1), 10_000);
      this.child.once('message', (message: ChildMessage) => {
        clearTimeout(timer);
        resolve(message.kind === 'connected' ? message.connected : -1);
      });
      this.child.send({ kind: 'count' });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ kind: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/** In the child: opens the connections in batches, reporting progress to the parent. */
export async function openIdleClients(
  request: IdleRequest,
  report: (message: ChildMessage) => void,
): Promise<MqttClient[]> {
  const url = new URL(request.mqttUrl);
  const host = url.hostname;
  const port = Number(url.port || 1883);
  const loopback = host === '127.0.0.1' || host === 'localhost';
  const clients: MqttClient[] = [];
  let failed = 0;
  const started = Date.now();
  for (let start = 0; start < request.count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, request.count - start) }, (_, k) => start + k);
    const settled = await Promise.all(
      batch.map((i) =>
        connectIdle(
          host,
          port,
          loopback ? `127.0.0.${2 + (i % SOURCE_ADDRESSES)}` : undefined,
          request.firstIndex + i,
          request.login,
          request.tag,
        ),
      ),
    );
    for (const client of settled) {
      if (client) clients.push(client);
      else failed++;
    }
    if ((start / BATCH) % 4 === 3) report({ kind: 'progress', up: clients.length, failed });
  }
  report({ kind: 'done', up: clients.length, failed, seconds: (Date.now() - started) / 1000 });
  return clients;
}

async function connectIdle(
  host: string,
  port: number,
  localAddress: string | undefined,
  index: number,
  login: { username?: string; password?: string },
  tag: string,
): Promise<MqttClient | null> {
  const client = new MqttClient(() => createConnection({ host, port, localAddress }), {
    clientId: `bench-idle-${tag}-${index}`,
    ...login,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    keepalive: 60,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  const up = await new Promise<boolean>((resolve) => {
    client.once('connect', () => resolve(true));
    client.once('close', () => resolve(false));
  });
  if (!up) {
    client.end(true);
    return null;
  }
  try {
    await client.subscribeAsync(idleCommandTopic(tag, index), { qos: 1 });
    return client;
  } catch {
    client.end(true);
    return null;
  }
}

/** "soft/hard" open-files limit of a process, from /proc; null when unreadable. */
export function openFilesLimit(pid: number): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line?.split(/\s{2,}/).slice(1, 3) ?? [];
    return soft && hard ? `${soft}/${hard}` : null;
  } catch {
    return null;
  }
}

/** Raises a process's open-files limit (soft and hard) with prlimit; false when not allowed or not installed. */
export function raiseOpenFiles(pid: number, limit: number): boolean {
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${limit}:${limit}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Open-files soft limit of a process (a number), or null. */
export function openFilesSoftLimit(pid: number): number | null {
  const soft = Number(openFilesLimit(pid)?.split('/')[0]);
  return Number.isFinite(soft) ? soft : null;
}

/** Entries in a process's fd table; null when unreadable. */
export function fdCount(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Sockets in a process's fd table; null when unreadable. */
export function socketCount(pid: number): number | null {
  try {
    let sockets = 0;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
      } catch {
        // closed meanwhile
      }
    }
    return sockets;
  } catch {
    return null;
  }
}
