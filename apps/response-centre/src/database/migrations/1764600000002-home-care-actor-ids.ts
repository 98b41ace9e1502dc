import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Home care's actors (the dispatch-updates contract allows ids of up to 200 characters) are
 * named in the handling log, whose actor_id held 128: an update from such a nurse would fail
 * until dead-lettered. Widening a varchar rewrites nothing and fires no row trigger, so the
 * log stays untouched and append-only.
 */
export class HomeCareActorIds1764600000002 implements MigrationInterface {
  name = 'HomeCareActorIds1764600000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE alarm_handling_log ALTER COLUMN actor_id TYPE varchar(200)`);
  }

  async down(): Promise<void> {
    // Not narrowed again: rows written since may be longer, and the log is never rewritten.
  }
}
