import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from './free-port';
import { guardAgainstOrphan } from './orphan-guard';
import { repoRoot } from './repo-root';

/** Keycloak's server distribution on Maven Central (Quarkus). */
export const KEYCLOAK_VERSION = '26.7.3';
const ARTIFACT = `org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`;
/** Keycloak 26 needs Java 21 or newer; the machines' default java is 17. */
const DEFAULT_JAVA_HOME = '/usr/lib/jvm/temurin-25-jdk-amd64';
const STOP_GRACE_MS = 30_000;

export interface KeycloakOptions {
  /** Realm exports to import at start (`--import-realm`). */
  realmFiles: string[];
  /** -Xmx in MiB (default 512). */
  heapMb?: number;
  /** How long to wait for every imported realm's discovery document (default 5 min: a loaded box). */
  readyTimeoutMs?: number;
  /** Java 21+ (default: KEYCLOAK_JAVA_HOME, else Temurin 25). */
  javaHome?: string;
}

export interface RunningKeycloak {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The issuer of a realm: URL/realms/NAME. */
  issuer(realm: string): string;
  /** A call to the admin REST API as the bootstrap admin; throws unless the answer is 2xx. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  logFile: string;
  /** SIGTERM, SIGKILL after 30 s; removes the server's private home. */
  stop(): Promise<void>;
}

/**
 * The unpacked distribution under .cache/keycloak, from Maven Central through Maven (~/.m2);
 * unpacked once and reused.
 */
export async function keycloakDistribution(): Promise<string> {
  const cache = join(repoRoot(), '.cache', 'keycloak');
  const home = join(cache, `keycloak-${KEYCLOAK_VERSION}`);
  if (existsSync(join(home, 'lib', 'quarkus-run.jar'))) return home;
  // Unpack into a private folder and rename: parallel runs may unpack at the same time.
  const scratch = join(cache, `unpack-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(scratch, { recursive: true });
  try {
    await promisify(execFile)(
      'mvn',
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        'dependency:unpack',
        `-Dartifact=${ARTIFACT}`,
        `-DoutputDirectory=${scratch}`,
      ],
      { cwd: scratch, maxBuffer: 16 * 1024 * 1024 },
    );
    await rename(join(scratch, `keycloak-${KEYCLOAK_VERSION}`), home).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(home, 'lib', 'quarkus-run.jar'))) throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return home;
}

/**
 * Keycloak in dev mode (HTTP, in-memory H2) on a free port, with the realm files imported.
 * Each server gets a private home: hard links to the distribution's files (no copy of its
 * 200 MB), and its own lib/quarkus (dev mode re-augments there) and data/.
 */
export async function startKeycloak(options: KeycloakOptions): Promise<RunningKeycloak> {
  const dist = await keycloakDistribution();
  const home = join(repoRoot(), '.cache', 'keycloak', 'runs', `${process.pid}-${randomBytes(4).toString('hex')}`);
  await privateHome(dist, home);
  await mkdir(join(home, 'data', 'import'), { recursive: true });
  for (const [k, file] of options.realmFiles.entries())
    await copyFile(file, join(home, 'data', 'import', `realm-${k}.json`));

  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const adminPassword = randomBytes(18).toString('base64url');
  const logFile = join(home, 'keycloak.log');
  const child = spawnKeycloak(home, port, adminPassword, options, logFile);
  const unguard = [guardAgainstOrphan(child.pid!)];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // kc.sh runs java as its child (and relaunches it after re-augmentation): signal the whole group.
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    unguard.forEach((disarm) => disarm());
    await rm(home, { recursive: true, force: true });
  };
  try {
    const realms = options.realmFiles.map((file) => realmName(file));
    await waitForDiscovery(url, await Promise.all(realms), child, logFile, options.readyTimeoutMs ?? 300_000);
    // The orphan guard kills by pid: guard the JVM too, or a killed test worker leaves it running.
    for (const jvm of await childPids(child.pid!)) unguard.push(guardAgainstOrphan(jvm));
  } catch (error) {
    await stop();
    throw error;
  }
  await keepAugmentation(home, dist);
  const admin = adminClient(url, adminPassword);
  return { url, issuer: (realm) => `${url}/realms/${realm}`, admin, logFile, stop };
}

/**
 * Dev mode's first start spends minutes on Quarkus augmentation (into lib/quarkus); the result
 * goes back to the distribution once, so later servers' private homes start without it.
 */
async function keepAugmentation(home: string, dist: string): Promise<void> {
  const marker = join(dist, 'lib', 'quarkus', 'dev-mem-augmented');
  if (existsSync(marker)) return;
  const staged = join(dist, 'lib', `quarkus-${process.pid}-${randomBytes(4).toString('hex')}`);
  await cp(join(home, 'lib', 'quarkus'), staged, { recursive: true });
  await writeFile(join(staged, 'dev-mem-augmented'), 'start-dev --db=dev-mem\n');
  const old = `${staged}.old`;
  try {
    await rename(join(dist, 'lib', 'quarkus'), old);
    await rename(staged, join(dist, 'lib', 'quarkus'));
  } catch {
    // Another run published at the same moment: theirs is as good.
  }
  await rm(staged, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
}

async function privateHome(dist: string, home: string): Promise<void> {
  await mkdir(join(home, '..'), { recursive: true });
  await promisify(execFile)('cp', ['-al', dist, home]);
  // Replace the links where the server writes, so it never writes through to the shared files.
  await rm(join(home, 'lib', 'quarkus'), { recursive: true, force: true });
  await cp(join(dist, 'lib', 'quarkus'), join(home, 'lib', 'quarkus'), { recursive: true });
  await rm(join(home, 'data'), { recursive: true, force: true });
}

function spawnKeycloak(
  home: string,
  port: number,
  adminPassword: string,
  options: KeycloakOptions,
  logFile: string,
): ChildProcess {
  const javaHome = options.javaHome ?? process.env.KEYCLOAK_JAVA_HOME ?? DEFAULT_JAVA_HOME;
  const args = ['start-dev', `--http-port=${port}`, '--http-host=127.0.0.1', '--db=dev-mem', '--import-realm'];
  const child = spawn('sh', [join(home, 'bin', 'kc.sh'), ...args], {
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      JAVA_HOME: javaHome,
      PATH: `${join(javaHome, 'bin')}:${process.env.PATH ?? ''}`,
      JAVA_OPTS_KC_HEAP: `-Xms64m -Xmx${options.heapMb ?? 512}m`,
      KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
      KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
    },
  });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await promisify(execFile)('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

async function realmName(file: string): Promise<string> {
  return (JSON.parse(await readFile(file, 'utf8')) as { realm: string }).realm;
}

async function waitForDiscovery(
  url: string,
  realms: string[],
  child: ChildProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const realm of realms) {
    const discovery = `${url}/realms/${realm}/.well-known/openid-configuration`;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `Keycloak exited (${child.exitCode ?? child.signalCode}) before ${realm} answered; see ${logFile}`,
        );
      const answer = await fetch(discovery, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      if (answer?.ok) break;
      if (Date.now() > deadline)
        throw new Error(`Keycloak's ${discovery} did not answer within ${timeoutMs} ms; see ${logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** The admin REST API with a token of the bootstrap admin (admin-cli, password grant), renewed each call. */
function adminClient(url: string, password: string): RunningKeycloak['admin'] {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const token = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password }),
    });
    if (!token.ok) throw new Error(`Keycloak admin sign-in answered ${token.status}: ${await token.text()}`);
    const { access_token } = (await token.json()) as { access_token: string };
    const answer = await fetch(`${url}/admin/realms${path}`, {
      method,
      headers: {
        authorization: `Bearer ${access_token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`Keycloak admin ${method} ${path} answered ${answer.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
