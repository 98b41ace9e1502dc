import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { freePort } from './free-port';
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  ensurePostgres,
  PgliteServer,
  RunningPostgres,
  startPgliteServer,
} from './postgres';

const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

async function queryOnce<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('ensurePostgres + per-run databases', () => {
  let pgDir: string;
  let server: RunningPostgres;

  beforeAll(async () => {
    pgDir = await mkdtemp(join(tmpdir(), 'infra-pg-'));
    server = await ensurePostgres({ embeddedDataDir: join(pgDir, 'pglite') });
  });

  afterAll(async () => {
    await server.stop();
    await rm(pgDir, { recursive: true, force: true });
  });

  it('returns a server that answers', async () => {
    expect(['external', 'local-service', 'embedded-pglite']).toContain(server.kind);
    const rows = await queryOnce<{ one: number }>(server.url, 'SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('creates a database of its own and force-drops it under open connections', async () => {
    const name = uniqueName('infra_test');
    if (server.kind === 'embedded-pglite') {
      await expect(createDatabase(server.url, name)).rejects.toThrow(/single database/);
      return;
    }
    const url = await createDatabase(server.url, name);
    expect(url).toBe(databaseUrl(server.url, name));

    const holder = new Client({ connectionString: url });
    holder.on('error', () => undefined); // it is terminated by the drop
    await holder.connect();
    expect((await holder.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db).toBe(name);
    await holder.query('CREATE TABLE t (id int PRIMARY KEY)');

    await dropDatabase(server.url, name);
    const left = await queryOnce(server.url, 'SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    expect(left).toHaveLength(0);
    await expect(holder.query('SELECT 1')).rejects.toThrow();
    await holder.end().catch(() => undefined);

    await expect(dropDatabase(server.url, name)).resolves.toBeUndefined(); // IF EXISTS
  });

  it('fails when an explicitly given server does not answer', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    await expect(ensurePostgres({ embeddedDataDir: join(pgDir, 'unused'), url })).rejects.toThrow();
  });

  it('refuses names that would need quoting', async () => {
    await expect(createDatabase(server.url, 'Bad-Name; DROP')).rejects.toThrow(/invalid database name/);
  });
});

describe('embedded PGlite over pglite-socket, through pg', () => {
  let dir: string;
  let pglite: PgliteServer;
  let pool: Pool;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infra-pglite-'));
    pglite = await startPgliteServer(join(dir, 'data'), { maxConnections: 10 });
    pool = new Pool({ connectionString: pglite.url, max: 8 });
  });

  afterAll(async () => {
    await pool?.end();
    await pglite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the DDL our migrations use: uuid, json/jsonb, partial index, plpgsql triggers', async () => {
    await pool.query('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"');
    await pool.query(`
      CREATE TABLE log (
        id bigserial PRIMARY KEY,
        ref uuid NOT NULL DEFAULT gen_random_uuid(),
        ref2 uuid NOT NULL DEFAULT uuid_generate_v4(),
        state varchar(16) NOT NULL DEFAULT 'open',
        payload json NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await pool.query(`CREATE INDEX log_open ON log (id) WHERE state <> 'resolved'`);
    await pool.query(`
      CREATE FUNCTION log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'log is append-only (% refused)', TG_OP;
      END $$`);
    await pool.query(
      `CREATE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON log FOR EACH ROW EXECUTE FUNCTION log_refuse_change()`,
    );
    await pool.query(
      `CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON log FOR EACH STATEMENT EXECUTE FUNCTION log_refuse_change()`,
    );

    const { rows } = await pool.query<{ ref: string; ref2: string; details: Record<string, unknown> }>(
      `INSERT INTO log (payload, details) VALUES ($1, $2) RETURNING ref, ref2, details`,
      ['{"raw":"\\u0000 kept"}', { a: 1 }],
    );
    expect(rows[0].ref).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].ref2).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].details).toEqual({ a: 1 });
    await expect(pool.query(`UPDATE log SET state = 'resolved'`)).rejects.toThrow(/append-only \(UPDATE refused\)/);
    await expect(pool.query('DELETE FROM log')).rejects.toThrow(/append-only \(DELETE refused\)/);
    await expect(pool.query('TRUNCATE log')).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
  });

  // The response centre's live feed (migration HandlingLogFeed1764600000001, live/handling-log-feed.ts).
  it("runs the live feed's DDL and query: xid8 from pg_current_xact_id(), (tx, id) order under the snapshot's xmin, a NOTIFY trigger", async () => {
    await pool.query('CREATE TABLE feed (id bigserial PRIMARY KEY, v text)');
    await pool.query(`ALTER TABLE feed ADD COLUMN tx xid8 NOT NULL DEFAULT '0'`);
    await pool.query('ALTER TABLE feed ALTER COLUMN tx SET DEFAULT pg_current_xact_id()');
    await pool.query('CREATE INDEX feed_order ON feed (tx, id)');
    await pool.query(
      `CREATE FUNCTION feed_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('feed', ''); RETURN NULL; END $$`,
    );
    await pool.query(
      'CREATE TRIGGER feed_notify AFTER INSERT ON feed FOR EACH STATEMENT EXECUTE FUNCTION feed_notify()',
    );
    await pool.query(`INSERT INTO feed (v) VALUES ('a'), ('b')`);
    await pool.query(`INSERT INTO feed (v) VALUES ('c')`);
    const { rows } = await pool.query<{ v: string; tx: string }>(
      `SELECT v, tx::text AS tx FROM feed WHERE (tx, id) > ($1::xid8, $2::bigint) AND tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx, id`,
      ['0', '0'],
    );
    expect(rows.map((row) => row.v)).toEqual(['a', 'b', 'c']);
    expect(rows[0].tx).toBe(rows[1].tx);
    expect(BigInt(rows[2].tx)).toBeGreaterThan(BigInt(rows[1].tx));
  });

  it('supports INSERT ... ON CONFLICT DO NOTHING / DO UPDATE', async () => {
    await pool.query(
      'CREATE TABLE events (device text, event_id text, n int NOT NULL DEFAULT 1, UNIQUE (device, event_id))',
    );
    const insert = `INSERT INTO events (device, event_id) VALUES ($1, $2) ON CONFLICT (device, event_id) DO NOTHING RETURNING event_id`;
    expect((await pool.query(insert, ['d1', 'e1'])).rowCount).toBe(1);
    expect((await pool.query(insert, ['d1', 'e1'])).rowCount).toBe(0);
    const upsert = `INSERT INTO events (device, event_id) VALUES ($1, $2)
                    ON CONFLICT (device, event_id) DO UPDATE SET n = events.n + 1 RETURNING n`;
    expect((await pool.query<{ n: number }>(upsert, ['d1', 'e1'])).rows[0].n).toBe(2);
  });

  it('hands each job to exactly one of several concurrent SKIP LOCKED workers', async () => {
    await pool.query('CREATE TABLE outbox (id serial PRIMARY KEY, taken_by int)');
    await pool.query('INSERT INTO outbox (taken_by) SELECT NULL FROM generate_series(1, 40)');
    const claim = async (worker: number): Promise<number[]> => {
      const mine: number[] = [];
      for (;;) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ id: number }>(
            'SELECT id FROM outbox WHERE taken_by IS NULL ORDER BY id LIMIT 3 FOR UPDATE SKIP LOCKED',
          );
          for (const { id } of rows) await client.query('UPDATE outbox SET taken_by = $1 WHERE id = $2', [worker, id]);
          await client.query('COMMIT');
          if (rows.length === 0) return mine;
          mine.push(...rows.map((r) => r.id));
        } finally {
          client.release();
        }
      }
    };
    const claimed = (await Promise.all([1, 2, 3, 4, 5, 6].map(claim))).flat();
    expect(claimed).toHaveLength(40);
    expect(new Set(claimed).size).toBe(40);
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE taken_by IS NULL');
    expect(rows[0].n).toBe('0');
  });

  it('keeps answers apart under many concurrent parameterised queries', async () => {
    const results = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const { rows } = await pool.query<{ v: number; s: string }>(`SELECT $1::int + ${i} AS v, $2::text AS s`, [
          i,
          `x${i}`,
        ]);
        return rows[0].v === 2 * i && rows[0].s === `x${i}`;
      }),
    );
    expect(results.every(Boolean)).toBe(true);
  });

  it('refuses connections past maxConnections', async () => {
    const held = pool.totalCount; // the pool's own open connections count against the limit
    const clients: Client[] = [];
    let refused = 0;
    try {
      for (let i = 0; i < pglite.maxConnections - held + 2; i++) {
        const client = new Client({ connectionString: pglite.url, connectionTimeoutMillis: 3000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('SELECT 1');
          clients.push(client);
        } catch (err) {
          expect(String(err)).toMatch(/Connection terminated unexpectedly|ECONNRESET/);
          refused++;
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
    expect(clients).toHaveLength(pglite.maxConnections - held);
    expect(refused).toBe(2);
  });

  it('createDatabase refuses PGlite (connections ignore the database name)', async () => {
    await expect(createDatabase(pglite.url, uniqueName('nope'))).rejects.toThrow(/single database/);
  });

  it('keeps its data across a restart on the same data dir', async () => {
    await pool.end();
    await pglite.stop();
    pglite = await startPgliteServer(join(dir, 'data'));
    pool = new Pool({ connectionString: pglite.url, max: 4 });
    const { rows } = await pool.query<{ n: number }>(`SELECT n FROM events WHERE device = 'd1' AND event_id = 'e1'`);
    expect(rows).toEqual([{ n: 2 }]);
  });
});
