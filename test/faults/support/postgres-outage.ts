import { Client } from 'pg';

/**
 * PostgreSQL going away for one database, as the services see a restart: every session is cut
 * and new connections are refused until `restore()`. Other databases on the machine's server
 * (other test files, other projects) are not touched.
 */
export async function cutDatabase(serverUrl: string, database: string): Promise<{ restore(): Promise<void> }> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `"${database.replace(/"/g, '""')}"`;
  await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return {
    async restore() {
      try {
        await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
      } finally {
        await admin.end();
      }
    },
  };
}
