import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { existsSync, mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { commandPath, hasCommand, runCommand } from './commands';
import { freePort, isPortFree } from './free-port';
import { CHILD_PROLOGUE, startNodeChild } from './node-child';
import { answersMqtt } from './mqtt-probe';
import { dynsecPluginPath, startMosquittoInstance } from './mosquitto-instance';
import { BrokerAccounts, newBrokerAccounts } from './broker-accounts';

/** Resolves a package's path for the child process, which loads it itself. */
const resolvePackage = (name: string): string => createRequire(join(repoRoot(), 'package.json')).resolve(name);

export type MqttKind = 'local-service' | 'own-mosquitto' | 'embedded-aedes';

export interface MqttOptions {
  log?: (msg: string) => void;
  /** Port to probe and, for the embedded broker, to listen on (default 1883; free one if taken). */
  port?: number;
}

/**
 * How the broker learns which devices may connect: Mosquitto's dynamic-security plugin, which
 * the registry keeps current; or hooks that ask the registry (aedes here, EMQX in production).
 */
export type BrokerAccess = 'mosquitto-dynsec' | 'http-hooks' | 'none';

export interface RunningMqtt {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  kind: MqttKind;
  access: BrokerAccess;
  /** Service accounts (none for a broker found running, which lets anyone in). */
  accounts: BrokerAccounts | null;
  stop(): Promise<void>;
}

/** What the embedded aedes asks about devices: the registry's broker-auth endpoint. */
export interface AedesDeviceAuth {
  accounts: BrokerAccounts;
  /** The registry's base URL; devices are checked at `${url}/api/broker/authenticate`. */
  registryUrl: string;
  /** Sent as the x-broker-secret header; the registry's BROKER_HOOK_SECRET. */
  hookSecret: string;
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
    return { url, kind: 'local-service', access: 'none', accounts: null, stop: async () => undefined };
  }
  if (port === DEFAULT_PORT && (await startMosquitto(log)) && (await answersMqtt(url, 10))) {
    log(`mqtt: started the machine's mosquitto on ${url}`);
    return { url, kind: 'local-service', access: 'none', accounts: null, stop: async () => undefined };
  }
  const embedded = await startEmbeddedAedes((await isPortFree(port)) ? port : undefined);
  log(`mqtt: embedded aedes broker on ${embedded.url}`);
  return { url: embedded.url, kind: 'embedded-aedes', access: 'none', accounts: null, stop: embedded.stop };
}

/**
 * The project's own broker: a Mosquitto with the project's settings when it is installed
 * (persistence, and a queue deep enough to hold an ingestor's backlog: the machine's Mosquitto
 * keeps Mosquitto's default of 1,000 queued messages per client and drops QoS 1 messages past
 * it), else embedded aedes. On `port` when it is free, else on a free one.
 */
export async function startOwnMqttBroker(opts: {
  dataDir: string;
  port?: number;
  log?: (msg: string) => void;
  /** With the test-only account that may publish on any device's events topic. */
  anyDevicePublisher?: boolean;
  /** For the aedes fallback: where the registry answers broker-auth hooks (it may start later). */
  registry?: { url: string; hookSecret: string };
}): Promise<RunningMqtt> {
  const log = opts.log ?? (() => undefined);
  const port = opts.port !== undefined && (await isPortFree(opts.port)) ? opts.port : undefined;
  const accounts = newBrokerAccounts({ anyDevicePublisher: opts.anyDevicePublisher });
  if (hasCommand('mosquitto') && dynsecPluginPath()) {
    const broker = await startMosquittoInstance({ dataDir: opts.dataDir, port, accounts });
    log(
      `mqtt: the project's mosquitto on ${broker.url}, devices signed in by the dynamic-security plugin (data: ${broker.dataDir})`,
    );
    return { url: broker.url, kind: 'own-mosquitto', access: 'mosquitto-dynsec', accounts, stop: broker.stop };
  }
  const embedded = await startEmbeddedAedes(
    port,
    opts.registry ? { accounts, registryUrl: opts.registry.url, hookSecret: opts.registry.hookSecret } : undefined,
  );
  log(
    `mqtt: mosquitto (with its dynamic-security plugin) is not installed; embedded aedes broker on ${embedded.url}${opts.registry ? `, devices checked at ${opts.registry.url}` : ''}`,
  );
  return {
    url: embedded.url,
    kind: 'embedded-aedes',
    access: opts.registry ? 'http-hooks' : 'none',
    accounts: opts.registry ? accounts : null,
    stop: embedded.stop,
  };
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
 *
 * With `auth`, every client signs in: service accounts by their passwords, devices by asking
 * the registry's broker-auth endpoint (the shape EMQX's HTTP authentication uses); devices
 * then publish only to devices/{username}/events and subscribe only to devices/{username}/commands.
 */
export async function startEmbeddedAedes(port?: number, auth?: AedesDeviceAuth): Promise<EmbeddedAedes> {
  const listenPort = port ?? (await freePort());
  const child = await startNodeChild('aedes', AEDES_CHILD, {
    AEDES_MODULE_URL: pathToFileURL(resolvePackage('aedes')).href,
    AEDES_PORT: String(listenPort),
    ...(auth ? { AEDES_AUTH: JSON.stringify(auth) } : {}),
  });
  return { url: `mqtt://${HOST}:${child.port}`, port: child.port, pid: child.pid, stop: child.stop };
}

const AEDES_CHILD = `${CHILD_PROLOGUE}
const net = require('node:net');
const { timingSafeEqual, createHash } = require('node:crypto');
const auth = process.env.AEDES_AUTH ? JSON.parse(process.env.AEDES_AUTH) : null;
const same = (a, b) => timingSafeEqual(createHash('sha256').update(String(a)).digest(), createHash('sha256').update(String(b)).digest());
// What each service account may do; a device may use its own two topics only.
const SERVICE_RULES = {
  ingestor: { publish: /^devices\\/[^/]+\\/commands$/, subscribe: /^devices\\/\\+\\/events$/ },
  anyDevicePublisher: { publish: /^devices\\/[^/]+\\/events$/, subscribe: null },
  admin: { publish: null, subscribe: null },
};
function service(username, password) {
  for (const [name, account] of Object.entries(auth.accounts)) {
    if (account && account.username === username) return same(account.password, password) ? name : false;
  }
  return null;
}
async function deviceAllowed(client, username, password) {
  try {
    const response = await fetch(auth.registryUrl + '/api/broker/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-broker-secret': auth.hookSecret },
      body: JSON.stringify({ clientid: client.id, username, password }),
      signal: AbortSignal.timeout(5000),
    });
    return response.ok && (await response.json()).result === 'allow';
  } catch {
    return false;
  }
}
(async () => {
  const { Aedes } = await import(process.env.AEDES_MODULE_URL);
  const broker = await Aedes.createBroker(auth ? {
    authenticate: (client, username, password, done) => {
      const secret = password ? password.toString('utf8') : '';
      const name = username === undefined ? false : service(username, secret);
      if (name !== null) {
        if (name) client.welfareRole = name;
        return done(null, Boolean(name));
      }
      deviceAllowed(client, username, secret).then((allowed) => {
        if (allowed) client.welfareRole = 'device';
        done(null, allowed);
      });
    },
    authorizePublish: (client, packet, done) => {
      const rule = client && SERVICE_RULES[client.welfareRole];
      const ok = client && (client.welfareRole === 'device' ? packet.topic === 'devices/' + client.id + '/events' : Boolean(rule && rule.publish && rule.publish.test(packet.topic)));
      done(ok ? null : new Error('not authorized'));
    },
    authorizeSubscribe: (client, subscription, done) => {
      const rule = SERVICE_RULES[client.welfareRole];
      const ok = client.welfareRole === 'device' ? subscription.topic === 'devices/' + client.id + '/commands' : Boolean(rule && rule.subscribe && rule.subscribe.test(subscription.topic));
      done(null, ok ? subscription : null);
    },
  } : {});
  const server = net.createServer(broker.handle);
  server.once('error', fail);
  server.listen(Number(process.env.AEDES_PORT), '${HOST}', () => process.send({ port: server.address().port }));
  onShutdown(() => new Promise((resolve) => broker.close(() => server.close(() => resolve()))));
})().catch(fail);
`;
