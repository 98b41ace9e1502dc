import type { QueryRunner } from 'typeorm';

/**
 * The signed-in browsers of a page's backend. The cookie holds a random id; the table holds only
 * its hash and the tokens sealed with a key derived from the id, so the table alone signs nobody in.
 * A row deleted is a session ended, at once, on every instance.
 */
export async function createBrowserSessionTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE browser_session (
      id_hash bytea PRIMARY KEY,
      subject varchar(255) NOT NULL,
      sealed_tokens bytea NOT NULL,
      access_expires_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL
    )`);
  await queryRunner.query(`CREATE INDEX browser_session_by_end ON browser_session (ends_at)`);
}

export async function dropBrowserSessionTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP TABLE browser_session`);
}
