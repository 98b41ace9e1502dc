import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync } from 'mqtt';
import { BrokerAccounts, BrokerCredentials, newBrokerAccounts, writeDynsecConfig } from './broker-accounts';
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
  /**
   * The service accounts to (re)write into the dynamic-security file; new random ones when
   * omitted. A restart in place passes the running instance's accounts, or its services lose access.
   */
  accounts?: BrokerAccounts;
  /** With the test-only account that may publish on any device's events topic (when `accounts` is omitted). */
  anyDevicePublisher?: boolean;
  /** A bridge to another broker: this instance then serves as one more broker in front of it. */
  bridge?: MosquittoBridge;
}

/**
 * Mosquitto's own bridge (one MQTT connection to the other broker, QoS 1, a persistent
 * session): how one Mosquitto spreads a fleet over several processes. A device's messages keep
 * their order on it, as they do on one broker.
 */
export interface MosquittoBridge {
  /** The broker bridged to, mqtt://host:port. */
  url: string;
  /** The account this bridge signs in with there. */
  login: BrokerCredentials;
  /** Its client id there: persistent, so what is queued for it survives a reconnect. */
  clientId: string;
  /** Topic patterns: `out` to the other broker, `in` from it. */
  topics: { pattern: string; direction: 'in' | 'out' }[];
}

export interface RunningMosquitto {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Service accounts; devices are added by the registry over $CONTROL/dynamic-security/v1. */
  accounts: BrokerAccounts;
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
  const plugin = dynsecPluginPath();
  if (!plugin)
    throw new Error(
      `Mosquitto's dynamic-security plugin is not installed (looked in ${DYNSEC_PLUGIN_PATHS.join(', ')}; or set MOSQUITTO_DYNSEC_PLUGIN)`,
    );
  const accounts = opts.accounts ?? newBrokerAccounts({ anyDevicePublisher: opts.anyDevicePublisher });
  const dynsecFile = join(dataDir, 'dynamic-security.json');
  await writeDynsecConfig(dynsecFile, accounts);
  const confFile = join(dataDir, 'mosquitto.conf');
  await writeFile(
    confFile,
    mosquittoConf(dataDir, port, plugin, dynsecFile) + (opts.bridge ? bridgeConf(opts.bridge) : ''),
  );
  const logFd = openSync(join(dataDir, 'mosquitto.log'), 'a');
  const child = spawn(mosquitto, ['-c', confFile], {
    stdio: ['ignore', logFd, logFd],
    detached: opts.detached ?? false,
  });
  closeSync(logFd);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  if (child.pid !== undefined) void exited.then(guardAgainstOrphan(child.pid));
  const url = `mqtt://${HOST}:${port}`;
  if (!(await answersMqtt(url, 30, accounts.admin))) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`mosquitto did not answer on ${url}; see ${join(dataDir, 'mosquitto.log')}`);
  }
  return {
    url,
    port,
    pid: child.pid!,
    dataDir,
    accounts,
    stop: () => signal(child, exited, 'SIGTERM'),
    kill: () => signal(child, exited, 'SIGKILL'),
  };
}

const DYNSEC_PLUGIN_PATHS = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/local/lib/mosquitto_dynamic_security.so',
];

/** Where Mosquitto's dynamic-security plugin is (Debian ships it in the mosquitto package), or null. */
export function dynsecPluginPath(): string | null {
  const candidates = process.env.MOSQUITTO_DYNSEC_PLUGIN ? [process.env.MOSQUITTO_DYNSEC_PLUGIN] : DYNSEC_PLUGIN_PATHS;
  return candidates.find((path) => existsSync(path)) ?? null;
}

function mosquittoConf(dataDir: string, port: number, plugin: string, dynsecFile: string): string {
  return [
    `listener ${port} ${HOST}`,
    // Every client signs in: devices with the secret the registry issued, services with their accounts.
    'allow_anonymous false',
    `plugin ${plugin}`,
    `plugin_opt_config_file ${dynsecFile}`,
    // Started as root it would switch to the "mosquitto" user, who cannot write dataDir.
    'user root',
    'persistence true',
    `persistence_location ${dataDir}/`,
    // As docker/mosquitto.conf, the production-like broker.
    'autosave_interval 10',
    'max_queued_messages 1000000',
    // QoS 1 messages in flight to an MQTT 3.1.1 client (default 20): the ingestor pipelines its
    // intake and needs a wider window. MQTT 5 clients (the ingestor on Mosquitto) set their own
    // with Receive Maximum, which Mosquitto 2.0 honours above this.
    'max_inflight_messages 1000',
    'set_tcp_nodelay true',
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
    '',
  ].join('\n');
}

/**
 * Publishes on `from` until a subscriber on `to` has a message on `topic`: a bridge between the
 * two is connected and carries that topic (it subscribes at the other broker only once connected).
 */
export async function untilBridgeCarries(
  from: string,
  to: string,
  topic: string,
  logins: { subscriber: BrokerCredentials; publisher: BrokerCredentials },
  timeoutMs = 20_000,
): Promise<void> {
  const subscriber = await connectAsync(to, { ...logins.subscriber, reconnectPeriod: 0, clean: true });
  const publisher = await connectAsync(from, { ...logins.publisher, reconnectPeriod: 0, clean: true });
  try {
    let arrived = false;
    subscriber.on('message', () => (arrived = true));
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const deadline = Date.now() + timeoutMs;
    while (!arrived) {
      if (Date.now() > deadline)
        throw new Error(`nothing crossed from ${from} to ${to} on ${topic} within ${timeoutMs} ms`);
      await publisher.publishAsync(topic, 'probe', { qos: 1 });
      await sleep(300);
    }
  } finally {
    await Promise.all([subscriber.endAsync(true), publisher.endAsync(true)]);
  }
}

function bridgeConf(bridge: MosquittoBridge): string {
  const remote = new URL(bridge.url);
  return [
    `connection ${bridge.clientId}`,
    `address ${remote.hostname}:${remote.port || 1883}`,
    'bridge_protocol_version mqttv311',
    `remote_clientid ${bridge.clientId}`,
    `remote_username ${bridge.login.username}`,
    `remote_password ${bridge.login.password}`,
    'cleansession false',
    // Connection notices would go to $SYS topics the bridge account may not publish on.
    'notifications false',
    ...bridge.topics.map((topic) => `topic ${topic.pattern} ${topic.direction} 1`),
    '',
  ].join('\n');
}

async function signal(child: ChildProcess, exited: Promise<void>, sig: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(sig);
  await exited;
}
