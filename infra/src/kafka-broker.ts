import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePorts } from './free-port';
import { guardAgainstOrphan } from './orphan-guard';
import { repoRoot } from './repo-root';

export interface KafkaOptions {
  /** Broker state lives here (server.properties, kafka.log, data/). Reuse it to keep the data. */
  dataDir: string;
  /** PLAINTEXT listener port; a free one when omitted. */
  port?: number;
  /** KRaft CONTROLLER listener port; a free one when omitted. */
  controllerPort?: number;
  /** -Xmx in MiB (default 512). */
  heapMb?: number;
  /** Broker stdout+stderr (default dataDir/kafka.log); appended to across restarts. */
  logFile?: string;
  /** How long to wait for the broker to answer (default 90 s). */
  readyTimeoutMs?: number;
}

export interface RunningKafka {
  /** "127.0.0.1:PORT", for kafkajs `brokers` and tools' --bootstrap-server. */
  brokers: string;
  port: number;
  controllerPort: number;
  pid: number;
  dataDir: string;
  logFile: string;
  /** SIGTERM (controlled shutdown), SIGKILL after 30 s; resolves once the JVM has exited. */
  stop(): Promise<void>;
  /**
   * Sends `signal` (default SIGKILL) and waits for the JVM to exit. SIGSTOP/SIGCONT/SIGTSTP don't
   * end the process, so for those it only sends the signal.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface KafkaToolOptions {
  /** -Xmx in MiB (default 256). */
  heapMb?: number;
  /** Kill the tool and reject after this long (default 10 min). */
  timeoutMs?: number;
  cwd?: string;
  jvmArgs?: string[];
}

export interface KafkaToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

const HOST = '127.0.0.1';
const NODE_ID = 1;
const STOP_GRACE_MS = 30_000;
const NON_TERMINATING = new Set<NodeJS.Signals>(['SIGSTOP', 'SIGCONT', 'SIGTSTP']);

// ---------------------------------------------------------------------------------------------
// Classpath (resolved by Maven once, cached per pom.xml content)
// ---------------------------------------------------------------------------------------------

let classpathPromise: Promise<string> | undefined;

/** Classpath of the broker + tools jars in ~/.m2; Maven runs only when the cache is missing or stale. */
export function kafkaClasspath(): Promise<string> {
  classpathPromise ??= loadClasspath().catch((err: unknown) => {
    classpathPromise = undefined; // let a later call retry (e.g. after a network blip)
    throw err;
  });
  return classpathPromise;
}

async function loadClasspath(): Promise<string> {
  const root = repoRoot();
  const pom = join(root, 'infra', 'kafka', 'pom.xml');
  const sha = createHash('sha256')
    .update(await readFile(pom))
    .digest('hex')
    .slice(0, 16);
  const cacheFile = join(root, '.cache', 'kafka', `classpath-${sha}.txt`);
  const cached = await readClasspathFile(cacheFile);
  if (cached !== undefined) return cached;

  await mkdir(join(root, '.cache', 'kafka'), { recursive: true });
  // Write to a private temp file and rename: parallel test workers may resolve at the same time.
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  await runMaven([
    '-q',
    '-B',
    '-Dstyle.color=never',
    '-f',
    pom,
    'dependency:build-classpath',
    `-Dmdep.outputFile=${tmp}`,
  ]);
  const fresh = await readClasspathFile(tmp);
  if (fresh === undefined) throw new Error(`Maven wrote no usable classpath to ${tmp}`);
  await rename(tmp, cacheFile);
  return fresh;
}

/** The cached classpath, or undefined when absent or when a jar vanished (e.g. ~/.m2 was wiped). */
async function readClasspathFile(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  const cp = (await readFile(file, 'utf8')).trim();
  const jars = cp.split(':').filter(Boolean);
  if (jars.length === 0 || !jars.every((jar) => existsSync(jar))) return undefined;
  return cp;
}

function runMaven(args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile('mvn', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`mvn ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolvePromise();
    });
  });
}

function log4jConfig(): string {
  return join(repoRoot(), 'infra', 'kafka', 'log4j2.properties');
}

// ---------------------------------------------------------------------------------------------
// Tools (one-shot JVM runs: StorageTool, ProducerPerformance, TopicCommand, ...)
// ---------------------------------------------------------------------------------------------

/** Runs a Kafka main class to completion with the broker's classpath and log4j2 config. */
export async function runKafkaTool(
  mainClass: string,
  args: string[],
  opts: KafkaToolOptions = {},
): Promise<KafkaToolResult> {
  const cp = await kafkaClasspath();
  const jvm = [`-Xmx${opts.heapMb ?? 256}m`, `-Dlog4j2.configurationFile=${log4jConfig()}`, ...(opts.jvmArgs ?? [])];
  const timeoutMs = opts.timeoutMs ?? 600_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn('java', [...jvm, '-cp', cp, mainClass, ...args], {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const unguard = child.pid === undefined ? () => undefined : guardAgainstOrphan(child.pid);
    child.once('exit', unguard);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${mainClass} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
      else resolvePromise({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr }); // shell-style code for a signal
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Broker
// ---------------------------------------------------------------------------------------------

/** Starts a single-node KRaft broker+controller and resolves once a client can describe the cluster. */
export async function startKafka(opts: KafkaOptions): Promise<RunningKafka> {
  const dataDir = resolve(opts.dataDir);
  const logFile = resolve(opts.logFile ?? join(dataDir, 'kafka.log'));
  const [port, controllerPort] = await pickPorts(opts.port, opts.controllerPort);
  await mkdir(dataDir, { recursive: true });
  const propsFile = join(dataDir, 'server.properties');
  await writeFile(propsFile, serverProperties(dataDir, port, controllerPort));
  if (!existsSync(join(dataDir, 'data', 'meta.properties'))) await formatStorage(propsFile);

  const cp = await kafkaClasspath();
  const child = spawnBroker(cp, propsFile, logFile, opts.heapMb ?? 512);
  const exited = exitPromise(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`java did not start; see ${logFile}`);
  const unguard = guardAgainstOrphan(pid);
  exited.then(unguard, unguard);

  const brokers = `${HOST}:${port}`;
  try {
    await waitUntilReady(brokers, exited, opts.readyTimeoutMs ?? 90_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Kafka on ${brokers} did not start: ${reason}\n--- last lines of ${logFile} ---\n${tail(logFile, 40)}`,
      { cause: err },
    );
  }
  return {
    brokers,
    port,
    controllerPort,
    pid,
    dataDir,
    logFile,
    stop: () => terminate(child, exited, 'SIGTERM', STOP_GRACE_MS),
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (NON_TERMINATING.has(signal)) child.kill(signal);
      else await terminate(child, exited, signal, STOP_GRACE_MS);
    },
  };
}

async function pickPorts(port?: number, controllerPort?: number): Promise<[number, number]> {
  // Three candidates: at least two differ from whichever port the caller fixed.
  const spare = (await freePorts(3)).filter((p) => p !== port && p !== controllerPort);
  return [port ?? spare[0], controllerPort ?? spare[1]];
}

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': NODE_ID,
    // Static quorum: format without --standalone, and ports may change between restarts.
    'controller.quorum.voters': `${NODE_ID}@${HOST}:${controllerPort}`,
    listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': join(dataDir, 'data'),
    'auto.create.topics.enable': false,
    'num.partitions': 6,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    // Fewer internal partitions: the first consumer group / transaction comes up faster.
    'offsets.topic.num.partitions': 6,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 6,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // A killed broker's registration blocks its restart until this session expires (default
    // 9 s); one local node needs no grace for flaky networks.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 2500,
    'log.segment.bytes': 16 * 1024 * 1024,
    // The cleaner's default 128 MiB dedupe buffer would take a quarter of a 512 MiB heap.
    'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
    // 2-core box shared with the services under test.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
  };
  return (
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n'
  );
}

/** A Kafka Uuid in its string form (base64url, 16 bytes); Kafka rejects ids starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorage(propsFile: string): Promise<void> {
  // A short-lived tool: C1-only JIT and serial GC start ~0.5 s faster on 2 cores.
  const jvmArgs = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
  const res = await runKafkaTool('kafka.tools.StorageTool', ['format', '-t', newClusterId(), '-c', propsFile], {
    jvmArgs,
  });
  if (res.code !== 0) throw new Error(`kafka-storage format failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
}

function spawnBroker(cp: string, propsFile: string, logFile: string, heapMb: number): ChildProcess {
  // The JVM writes straight into the log file, so its output survives node's event loop stalls.
  const fd = openSync(logFile, 'a');
  try {
    const jvm = [
      `-Xmx${heapMb}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${log4jConfig()}`,
    ];
    return spawn('java', [...jvm, '-cp', cp, 'kafka.Kafka', propsFile], { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

/** Settles when the process is gone; a spawn failure ('error', e.g. no java) counts as gone too. */
function exitPromise(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    child.once('exit', () => resolvePromise());
    child.once('error', () => resolvePromise());
  });
}

async function waitUntilReady(brokers: string, exited: Promise<void>, timeoutMs: number): Promise<void> {
  let processGone = false;
  void exited.then(() => (processGone = true));
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (processGone) throw new Error('java exited during startup');
    try {
      await describeCluster(brokers);
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await Promise.race([sleep(250), exited]);
  }
  throw new Error(`not ready after ${timeoutMs} ms (last error: ${lastError})`);
}

async function describeCluster(brokers: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'infra-readiness',
    brokers: [brokers],
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('cluster has no brokers yet');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function terminate(
  child: ChildProcess,
  exited: Promise<void>,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGCONT'); // a SIGSTOPped JVM (fault tests) can't act on SIGTERM
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

/** Last `lines` lines of a file, reading only its end (broker logs can grow large). */
function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log file)';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf
      .toString('utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } finally {
    closeSync(fd);
  }
}
