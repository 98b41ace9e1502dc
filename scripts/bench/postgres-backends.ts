/**
 * The PostgreSQL server processes serving one database (the response centre's pool), so their
 * CPU shows up next to the services': a response centre that waits is often waiting on them.
 */
import { Client } from 'pg';
import { BENCH_APPLICATION_NAME } from './stored-events';

export class PostgresBackends {
  private current: { pid: number; applicationName: string }[] = [];

  constructor(private readonly databaseUrl: string) {}

  /** The pids as of the last refresh (the monitor reads them synchronously). */
  pids(): number[] {
    return this.current.map((backend) => backend.pid);
  }

  /** Of those, the backends of connections that gave this application_name (e.g. the report worker's). */
  pidsOf(applicationName: string): number[] {
    return this.current.filter((backend) => backend.applicationName === applicationName).map((backend) => backend.pid);
  }

  /** Re-reads the backends of the database; keeps the old list when the server does not answer. */
  async refresh(): Promise<void> {
    const database = decodeURIComponent(new URL(this.databaseUrl).pathname.slice(1));
    const client = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 3000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number; application_name: string }>(
        // The benchmark's own connections (its read-backs) are not the response centre's work.
        'SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2',
        [database, BENCH_APPLICATION_NAME],
      );
      this.current = rows.map((row) => ({ pid: row.pid, applicationName: row.application_name }));
    } catch {
      // keep what we had
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
