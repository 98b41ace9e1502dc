/**
 * `npm run bench -- --postgres-profile`: where the database's time goes. pg_stat_statements must
 * be loaded when the server starts (shared_preload_libraries), which the machine's PostgreSQL is
 * not set up for and which the benchmark must not change, so this mode runs a private cluster of
 * the same PostgreSQL (its own initdb, default settings but the extension, a free port), and
 * reads the statements' times for the saturation phase, per event stored.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '@welfare/infra';
import { Cleanup } from './cleanup';
import { BENCH_APPLICATION_NAME } from './stored-events';

type Log = (message: string) => void;

/** Statements shown, by total time. */
const TOP_STATEMENTS = 12;
const START_TIMEOUT_MS = 60_000;

export interface StatementTime {
  query: string;
  calls: number;
  totalMs: number;
  rows: number;
}

export interface StatementProfile {
  /** Every statement's execution time in the window, all of them (not only the top ones). */
  totalMs: number;
  statements: StatementTime[];
}

/** A private PostgreSQL with pg_stat_statements; `url` is its `postgres` database. */
export async function startProfiledPostgres(cleanup: Cleanup, log: Log): Promise<string> {
  const bin = postgresBinDir();
  // Outside the benchmark's private work dir: PostgreSQL refuses to run as root, so when the
  // benchmark is root the server runs as the `postgres` user, which must own its directory.
  const dir = await mkdtemp(join(tmpdir(), 'welfare-bench-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { uid, gid } = postgresUser();
    await chown(dir, uid, gid);
  }
  await chmod(dir, 0o700);
  cleanup.add('remove the profiled PostgreSQL data dir', () => rm(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  runAs(asRoot, join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const server = spawnAs(asRoot, join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    'shared_preload_libraries=pg_stat_statements',
    '-c',
    'pg_stat_statements.track=top',
    '-c',
    'max_connections=200',
  ]);
  cleanup.add('stop the profiled PostgreSQL', () => stopServer(server));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitForServer(url, server);
  log(`postgres: private cluster with pg_stat_statements on 127.0.0.1:${port} (--postgres-profile)`);
  return url;
}

/** Empties the statistics: the next `readStatementProfile` covers from here. */
export async function resetStatementProfile(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT pg_stat_statements_reset()');
  });
}

/** The statements run since the reset, the benchmark's own reads left out. */
export async function readStatementProfile(databaseUrl: string): Promise<StatementProfile> {
  return withClient(databaseUrl, async (client) => {
    // The benchmark's own connections use this role too; its statements name its tables in
    // ways the services never do, and are few, so they are filtered by their text.
    const { rows } = await client.query<{ query: string; calls: string; total: number; rows: string }>(
      `SELECT query, calls, total_exec_time AS total, rows
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT ILIKE '%pg_stat_statements%'
          AND query NOT ILIKE '%pg_stat_activity%'
          AND query NOT ILIKE '%event_id = ANY%'
          AND query NOT ILIKE '%event_id LIKE%'
        ORDER BY total_exec_time DESC`,
    );
    const statements = rows.map((row) => ({
      query: row.query.replace(/\s+/g, ' ').trim(),
      calls: Number(row.calls),
      totalMs: row.total,
      rows: Number(row.rows),
    }));
    return { totalMs: statements.reduce((sum, s) => sum + s.totalMs, 0), statements };
  });
}

/** The top statements as report lines, with each one's time per event stored in the window. */
export function formatStatementProfile(profile: StatementProfile, eventsStored: number, window: string): string {
  const perEvent = (ms: number) => (eventsStored > 0 ? ((ms / eventsStored) * 1000).toFixed(1) : '-');
  const lines = [
    `PostgreSQL statements (pg_stat_statements, ${window}; ${eventsStored} events stored): ` +
      `${profile.totalMs.toFixed(0)} ms of execution in all, ${perEvent(profile.totalMs)} µs per event stored`,
    '  total ms   share  µs/event     calls  rows/call  ms/call  statement',
  ];
  for (const statement of profile.statements.slice(0, TOP_STATEMENTS)) {
    const share = profile.totalMs > 0 ? (100 * statement.totalMs) / profile.totalMs : 0;
    lines.push(
      `  ${statement.totalMs.toFixed(0).padStart(8)} ${share.toFixed(1).padStart(6)} % ${perEvent(statement.totalMs).padStart(8)}` +
        ` ${String(statement.calls).padStart(9)} ${(statement.rows / Math.max(1, statement.calls)).toFixed(1).padStart(10)}` +
        ` ${(statement.totalMs / Math.max(1, statement.calls)).toFixed(2).padStart(8)}  ${truncate(statement.query, 150)}`,
    );
  }
  lines.push(
    '  (execution time inside the server only: parse, network and the client are not in it; the CPU line per',
    '  process above counts all of PostgreSQL, e.g. commits and WAL writes)',
  );
  return lines.join('\n');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, application_name: BENCH_APPLICATION_NAME });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((version) => join(root, version, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
  if (!found) throw new Error(`--postgres-profile needs PostgreSQL's server programs (initdb) under ${root}`);
  return found;
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new Error('--postgres-profile as root runs the server as the `postgres` user, and there is none', {
      cause: error,
    });
  }
}

function runAs(asRoot: boolean, program: string, args: string[]): void {
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  execFileSync(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function spawnAs(asRoot: boolean, program: string, args: string[]): ChildProcess {
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  return spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function waitForServer(url: string, server: ChildProcess): Promise<void> {
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the profiled PostgreSQL exited at start:\n${stderr}`);
    try {
      await withClient(url, (client) => client.query('SELECT 1'));
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`the profiled PostgreSQL did not answer within ${START_TIMEOUT_MS / 1000} s:\n${stderr}`);
}

/** A fast shutdown (SIGINT to the postmaster through runuser), then a kill if it lingers. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
