import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The handling log as a feed the operators' live stream can follow without skipping a row.
 *
 * Ids (bigserial) are handed out at insert but become visible at commit, in another order: a
 * reader that remembers "the last id I sent" skips a row whose transaction took a lower id and
 * committed later. So every row also records its transaction (`tx`, the 64-bit xid), and the
 * feed (live/handling-log-feed.ts) delivers rows in (tx, id) order, only from transactions
 * older than its snapshot's xmin: every such transaction has ended, and every later commit has
 * a tx at or above that xmin, so nothing can appear behind a cursor any more.
 *
 * A trigger NOTIFYs listeners once per inserting statement; PostgreSQL delivers it at commit
 * (never for a rolled-back transaction), to every response-centre instance that listens.
 */
export class HandlingLogFeed1764600000001 implements MigrationInterface {
  name = 'HandlingLogFeed1764600000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Rows from before the feed get tx 0 (they all committed long ago): no rewrite of the table,
    // and the append-only trigger (BEFORE UPDATE) is not involved. New rows take their own xid.
    await queryRunner.query(`ALTER TABLE alarm_handling_log ADD COLUMN tx xid8 NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE alarm_handling_log ALTER COLUMN tx SET DEFAULT pg_current_xact_id()`);
    await queryRunner.query(`CREATE INDEX alarm_handling_log_feed ON alarm_handling_log (tx, id)`);
    await queryRunner.query(`
      CREATE FUNCTION alarm_handling_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('alarm_handling_log', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER alarm_handling_log_notify AFTER INSERT ON alarm_handling_log
      FOR EACH STATEMENT EXECUTE FUNCTION alarm_handling_log_notify()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER alarm_handling_log_notify ON alarm_handling_log`);
    await queryRunner.query(`DROP FUNCTION alarm_handling_log_notify()`);
    await queryRunner.query(`DROP INDEX alarm_handling_log_feed`);
    await queryRunner.query(`ALTER TABLE alarm_handling_log DROP COLUMN tx`);
  }
}
