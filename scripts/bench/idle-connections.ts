/**
 * The many-connections mode (--connections N): besides the sending devices, N minus those
 * devices idle connections on the same broker, each as a device holds it (its own client id,
 * QoS 1 subscription to a commands topic of its own, keepalive 60 s), connected in batches.
 * The idle ones are not onboarded at the registry (20,000 onboardings would dominate the
 * run): they sign in with the broker's test account and subscribe under welfare-test/, which
 * costs the broker the same as a device's connection and subscription.
 *
 * One process holding 20,000 sockets needs an open-files limit above that (raised here with
 * prlimit when allowed), and spreads its connections over several loopback source addresses
 * so the ephemeral ports of one address (about 28,000) do not run short.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
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
}

const BATCH = 500;
const SOURCE_ADDRESSES = 16;
const CONNECT_TIMEOUT_MS = 30_000;

export class IdleConnections {
  private constructor(
    private readonly clients: MqttClient[],
    readonly failed: number,
    readonly connectSeconds: number,
    readonly sourceAddresses: number,
  ) {}

  get connected(): number {
    return this.clients.filter((client) => client.connected).length;
  }

  static async open(
    mqttUrl: string,
    count: number,
    login: { username?: string; password?: string },
    tag: string,
    log: (message: string) => void,
  ): Promise<IdleConnections> {
    const url = new URL(mqttUrl);
    const host = url.hostname;
    const port = Number(url.port || 1883);
    const loopback = host === '127.0.0.1' || host === 'localhost';
    const clients: MqttClient[] = [];
    let failed = 0;
    const started = Date.now();
    for (let start = 0; start < count; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => start + k);
      const settled = await Promise.all(
        batch.map((i) =>
          connectIdle(host, port, loopback ? `127.0.0.${2 + (i % SOURCE_ADDRESSES)}` : undefined, i, login, tag),
        ),
      );
      for (const client of settled) {
        if (client) clients.push(client);
        else failed++;
      }
      if ((start / BATCH) % 4 === 3 || start + BATCH >= count)
        log(`  idle connections: ${clients.length} up, ${failed} failed`);
    }
    const seconds = (Date.now() - started) / 1000;
    return new IdleConnections(clients, failed, seconds, loopback ? SOURCE_ADDRESSES : 1);
  }

  async close(): Promise<void> {
    for (let start = 0; start < this.clients.length; start += BATCH)
      await Promise.all(this.clients.slice(start, start + BATCH).map((c) => c.endAsync(true).catch(() => undefined)));
  }
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
    await client.subscribeAsync(`welfare-test/bench/${tag}/idle/${index}/commands`, { qos: 1 });
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
