import type { QueryRunner } from 'typeorm';

/**
 * Makes a table append-only in the database itself: UPDATE, DELETE and TRUNCATE raise an error,
 * whoever sends them. For records of care given and of who read what, which must hold up later.
 * The function and triggers are named after the table.
 */
export async function makeAppendOnly(queryRunner: QueryRunner, table: string): Promise<void> {
  await queryRunner.query(`
    CREATE FUNCTION ${table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '${table} is append-only (% refused)', TG_OP;
    END $$`);
  await queryRunner.query(
    `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_refuse_change()`,
  );
  await queryRunner.query(
    `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${table}_refuse_change()`,
  );
}

/** Drops the function makeAppendOnly made (the triggers go with their table). */
export async function dropAppendOnly(queryRunner: QueryRunner, table: string): Promise<void> {
  await queryRunner.query(`DROP FUNCTION ${table}_refuse_change() CASCADE`);
}

/** The outbox of a service that sends Kafka records after its transactions commit (OutboxMessage). */
export async function createOutboxTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE outbox_messages (
      id bigserial PRIMARY KEY,
      topic varchar(128) NOT NULL,
      message_key varchar(128) NOT NULL,
      payload text NOT NULL,
      created_at timestamptz NOT NULL
    )`);
}
