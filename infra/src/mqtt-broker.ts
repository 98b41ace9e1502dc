import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { existsSync, mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { commandPath, hasCommand, runCommand } from './commands';
import { freePort, isPortFree } from './free-port';
import { CHILD_PROLOGUE, startNodeChild } from './node-child';
import { answersMqtt } from './mqtt-probe';
import { startMosquittoInstance } from './mosquitto-instance';

/** Resolves a package's path for the child process, which loads it itself. */
const resolvePackage = (name: string): string => createRequire(join(repoRoot(), 'package.json')).resolve(name);

export type MqttKind = 'local-service' | 'own-mosquitto' | 'embedded-aedes';

export interface MqttOptions {
  log?: (msg: string) => void;
  /** Port to probe and, for the embedded broker, to listen on (default 1883; free one if taken). */
  port?: number;
}

export interface RunningMqtt {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  kind: MqttKind;
  stop(): Promise<void>;
}

export interface EmbeddedAedes {
  url: string;
  port: number;
  /** The broker's own process: fault tests may SIGKILL/SIGSTOP it. */
  pid: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_PORT = 1883;
const MOSQUITTO_CONF = '/etc/mosquitto/mosquitto.conf';

/** An MQTT broker on loopback: whatever already answers, else the machine's Mosquitto, else aedes. */
export async function ensureMqttBroker(opts: MqttOptions = {}): Promise<RunningMqtt> {
  const log = opts.log ?? (() => undefined);
  const port = opts.port ?? DEFAULT_PORT;
  const url = `mqtt://${HOST}:${port}`;
  if (await answersMqtt(url)) {
    log(`mqtt: broker already answering on ${url}`);
    return { url, kind: 'local-service', stop: async () => undefined };
  }
  if (port === DEFAULT_PORT && (await startMosquitto(log)) && (await answersMqtt(url, 10))) {
    log(`mqtt: started the machine's mosquitto on ${url}`);
    return { url, kind: 'local-service', stop: async () => undefined };
  }
  const embedded = await startEmbeddedAedes((await isPortFree(port)) ? port : undefined);
  log(`mqtt: embedded aedes broker on ${embedded.url}`);
  return { url: embedded.url, kind: 'embedded-aedes', stop: embedded.stop };
}

/**
 * The project's own broker: a Mosquitto with the project's settings when it is installed
 * (persistence, and a queue deep enough to hold an ingestor's backlog: the machine's Mosquitto
 * keeps Mosquitto's default of 1,000 queued messages per client and drops QoS 1 messages past
 * it), else embedded aedes. On `port` when it is free, else on a free one.
 */
export async function startOwnMqttBroker(opts: { dataDir: string; port?: number; log?: (msg: string) => void }): Promise<RunningMqtt> {
  const log = opts.log ?? (() => undefined);
  const port = opts.port !== undefined && (await isPortFree(opts.port)) ? opts.port : undefined;
  if (hasCommand('mosquitto')) {
    const broker = await startMosquittoInstance({ dataDir: opts.dataDir, port });
    log(`mqtt: the project's mosquitto on ${broker.url} (data: ${broker.dataDir})`);
    return { url: broker.url, kind: 'own-mosquitto', stop: broker.stop };
  }
  const embedded = await startEmbeddedAedes(port);
  log(`mqtt: mosquitto is not installed; embedded aedes broker on ${embedded.url}`);
  return { url: embedded.url, kind: 'embedded-aedes', stop: embedded.stop };
}

/** `mosquitto -d` with the machine's config; false when it is not installed or does not start. */
async function startMosquitto(log: (msg: string) => void): Promise<boolean> {
  if (!hasCommand('mosquitto') || !existsSync(MOSQUITTO_CONF)) return false;
  // Without systemd nobody recreates the pid-file dir in /run after a reboot, and mosquitto
  // refuses to start when it can't write its pid file.
  await ensureMosquittoDir('/run/mosquitto');
  log(`mqtt: starting mosquitto -d -c ${MOSQUITTO_CONF}`);
  try {
    await runCommand(commandPath('mosquitto')!, ['-d', '-c', MOSQUITTO_CONF], 15_000);
    return true;
  } catch (err) {
    log(`mqtt: mosquitto did not start: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

async function ensureMosquittoDir(dir: string): Promise<void> {
  try {
    mkdirSync(dir, { recursive: true });
    await runCommand('chown', ['mosquitto:mosquitto', dir]);
  } catch {
    // not root, or no mosquitto user: mosquitto will report the problem itself
  }
}

// ---------------------------------------------------------------------------------------------
// Embedded aedes
// ---------------------------------------------------------------------------------------------

/**
 * aedes in a child node process (see node-child.ts for why). Its sessions and queued QoS 1
 * messages are in memory: they survive client reconnects, not a broker restart.
 */
export async function startEmbeddedAedes(port?: number): Promise<EmbeddedAedes> {
  const listenPort = port ?? (await freePort());
  const child = await startNodeChild('aedes', AEDES_CHILD, {
    AEDES_MODULE_URL: pathToFileURL(resolvePackage('aedes')).href,
    AEDES_PORT: String(listenPort),
  });
  return { url: `mqtt://${HOST}:${child.port}`, port: child.port, pid: child.pid, stop: child.stop };
}

const AEDES_CHILD = `${CHILD_PROLOGUE}
const net = require('node:net');
(async () => {
  const { Aedes } = await import(process.env.AEDES_MODULE_URL);
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  server.once('error', fail);
  server.listen(Number(process.env.AEDES_PORT), '${HOST}', () => process.send({ port: server.address().port }));
  onShutdown(() => new Promise((resolve) => broker.close(() => server.close(() => resolve()))));
})().catch(fail);
`;
