import { createRequire } from 'node:module';
import { repoRoot } from './repo-root';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { hasCommand, runCommand } from './commands';
import { CHILD_PROLOGUE, startNodeChild } from './node-child';

/** Resolves a package's path for the child process, which loads it itself. */
const resolvePackage = (name: string): string => createRequire(join(repoRoot(), 'package.json')).resolve(name);

export type PostgresKind = 'external' | 'local-service' | 'embedded-pglite';

export interface PostgresOptions {
  /** PGlite's data directory, used only when no real PostgreSQL answers. Reuse it to keep data. */
  embeddedDataDir: string;
  log?: (msg: string) => void;
  /**
   * A server to use as is (kind 'external'); falls back to env WELFARE_POSTGRES_URL. When given
   * and it does not answer, ensurePostgres fails instead of silently starting something else.
   */
  url?: string;
  /** Concurrent connections the embedded server accepts (default PGLITE_MAX_CONNECTIONS). */
  embeddedMaxConnections?: number;
}

export interface RunningPostgres {
  /** Server URL of its `postgres` database; see createDatabase for per-run databases. */
  url: string;
  kind: PostgresKind;
  stop(): Promise<void>;
}

export const LOCAL_SERVICE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const EXTERNAL_URL_ENV = 'WELFARE_POSTGRES_URL';
/**
 * pglite-socket's own default is 1. Past the limit it writes "Too many connections" and closes
 * the socket (pg: "Connection terminated unexpectedly" or ECONNRESET), so the pool sizes of
 * every process connecting must add up to less than this.
 */
export const PGLITE_MAX_CONNECTIONS = 20;

/** Real PostgreSQL if one answers (starting the local cluster if needed), else embedded PGlite. */
export async function ensurePostgres(opts: PostgresOptions): Promise<RunningPostgres> {
  const log = opts.log ?? (() => undefined);
  const external = opts.url ?? process.env[EXTERNAL_URL_ENV];
  if (external) {
    await probe(external, 5000);
    log(`postgres: using external server ${redact(external)}`);
    return { url: external, kind: 'external', stop: async () => undefined };
  }
  if (await answers(LOCAL_SERVICE_URL)) return localService(log, 'already running');
  if (await startLocalCluster(log)) return localService(log, 'started with pg_ctlcluster');
  return startEmbedded(opts, log);
}

function localService(log: (msg: string) => void, how: string): RunningPostgres {
  log(`postgres: local service on 127.0.0.1:5432 (${how})`);
  return { url: LOCAL_SERVICE_URL, kind: 'local-service', stop: async () => undefined };
}

/** Connects and runs SELECT 1; throws when the server does not answer within timeoutMs. */
async function probe(url: string, timeoutMs: number): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined); // a late socket error must not crash the process
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function answers(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    await probe(url, timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** Debian's cluster wrapper; --skip-systemctl-redirect because there may be no systemd. */
async function startLocalCluster(log: (msg: string) => void): Promise<boolean> {
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort(byNumber) : [];
  if (!hasCommand('pg_ctlcluster') || versions.length === 0) return false;
  const version = versions[versions.length - 1];
  log(`postgres: starting local cluster ${version}/main`);
  try {
    await runCommand('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  } catch (err) {
    // e.g. "already running" while not answering on 127.0.0.1:5432: waiting would not help.
    log(`postgres: pg_ctlcluster failed: ${err instanceof Error ? err.message : String(err)}`);
    return answers(LOCAL_SERVICE_URL);
  }
  for (let i = 0; i < 20; i++) {
    if (await answers(LOCAL_SERVICE_URL)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const byNumber = (a: string, b: string): number => Number(a) - Number(b);

async function startEmbedded(opts: PostgresOptions, log: (msg: string) => void): Promise<RunningPostgres> {
  const dataDir = resolve(opts.embeddedDataDir);
  await mkdir(dataDir, { recursive: true });
  log(`postgres: no server answers; starting embedded PGlite in ${dataDir}`);
  const server = await startPgliteServer(dataDir, { maxConnections: opts.embeddedMaxConnections });
  log(`postgres: PGlite listening on ${server.url} (max ${server.maxConnections} connections)`);
  return { url: server.url, kind: 'embedded-pglite', stop: server.stop };
}

export interface PgliteServer {
  url: string;
  port: number;
  /** The server's own process (see node-child.ts): fault tests may SIGKILL/SIGSTOP it. */
  pid: number;
  maxConnections: number;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL 18 in WASM, one single-user backend) behind pglite-socket's TCP server, in
 * a child process, so pg and TypeORM can connect. dataDir undefined = in memory. uuid-ossp and
 * pgcrypto are loaded so TypeORM's `CREATE EXTENSION "uuid-ossp"` and uuid defaults work.
 * Where it differs from a real server: every connection shares that one backend session (a SET
 * leaks to all; a named prepared statement collides with "already exists"; a NOTIFY never
 * reaches another connection's LISTEN), an open transaction on one connection holds every other
 * connection's queries until it ends, and the database name in the URL is ignored.
 */
export async function startPgliteServer(
  dataDir: string | undefined,
  opts: { port?: number; maxConnections?: number } = {},
): Promise<PgliteServer> {
  const maxConnections = opts.maxConnections ?? PGLITE_MAX_CONNECTIONS;
  const child = await startNodeChild(
    'pglite',
    PGLITE_CHILD,
    {
      PGLITE_MODULE: resolvePackage('@electric-sql/pglite'),
      PGLITE_SOCKET_MODULE: resolvePackage('@electric-sql/pglite-socket'),
      PGLITE_UUID_OSSP: resolvePackage('@electric-sql/pglite/contrib/uuid_ossp'),
      PGLITE_PGCRYPTO: resolvePackage('@electric-sql/pglite/contrib/pgcrypto'),
      PGLITE_DATA_DIR: dataDir ? resolve(dataDir) : '',
      PGLITE_PORT: String(opts.port ?? 0),
      PGLITE_MAX_CONNECTIONS: String(maxConnections),
    },
    // initdb of a new data dir takes ~10 s on a 2-core box; closing flushes the data dir.
    { startTimeoutMs: 120_000, graceMs: 30_000 },
  );
  return {
    url: `postgres://postgres@127.0.0.1:${child.port}/postgres`,
    port: child.port,
    pid: child.pid,
    maxConnections,
    stop: child.stop,
  };
}

const PGLITE_CHILD = `${CHILD_PROLOGUE}
(async () => {
  const env = process.env;
  const { PGlite } = require(env.PGLITE_MODULE);
  const { PGLiteSocketServer } = require(env.PGLITE_SOCKET_MODULE);
  const { uuid_ossp } = require(env.PGLITE_UUID_OSSP);
  const { pgcrypto } = require(env.PGLITE_PGCRYPTO);
  const db = await PGlite.create(env.PGLITE_DATA_DIR || undefined, { extensions: { uuid_ossp, pgcrypto } });
  const server = new PGLiteSocketServer({
    db, host: '127.0.0.1', port: Number(env.PGLITE_PORT), maxConnections: Number(env.PGLITE_MAX_CONNECTIONS),
  });
  await server.start();
  onShutdown(async () => { await server.stop(); await db.close(); });
  process.send({ port: Number(server.getServerConn().split(':').pop()) });
})().catch(fail);
`;

// ---------------------------------------------------------------------------------------------
// Per-run databases
// ---------------------------------------------------------------------------------------------

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Creates database `name` on the server and returns its URL (same credentials and host). */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  assertDbName(name);
  await withClient(serverUrl, async (client) => {
    await refuseSingleDatabaseServer(client);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  return databaseUrl(serverUrl, name);
}

/**
 * The URL of database `name`, created when missing: what `npm start` keeps its data in. PGlite
 * serves one database only, so there it is the server URL itself.
 */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  assertDbName(name);
  return withClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ version: string }>('SELECT version() AS version');
    if (rows[0].version.includes('PGlite')) return serverUrl;
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    return databaseUrl(serverUrl, name);
  });
}

/** Drops database `name`, disconnecting its sessions first; no error when it does not exist. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertDbName(name);
  await withClient(serverUrl, async (client) => {
    // WITH (FORCE) (PostgreSQL 13+) terminates the sessions; the explicit terminate covers
    // older servers and sessions that connect between the two statements.
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/** Same server, other database: replaces the URL's path. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function assertDbName(name: string): void {
  if (!DB_NAME.test(name))
    throw new Error(`invalid database name ${JSON.stringify(name)}: use [a-z_][a-z0-9_]*, max 63 chars`);
}

/** PGlite accepts CREATE DATABASE but every connection still lands in `postgres`: fail loudly. */
async function refuseSingleDatabaseServer(client: Client): Promise<void> {
  const { rows } = await client.query<{ version: string }>('SELECT version() AS version');
  if (rows[0].version.includes('PGlite')) {
    throw new Error(
      'createDatabase: PGlite serves a single database (connections ignore the database name); use a separate PGlite data dir per run instead',
    );
  }
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
