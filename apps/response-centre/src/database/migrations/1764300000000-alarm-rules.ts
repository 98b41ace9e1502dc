import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules: technical alarms, correlation (one unresolved alarm per resident or device and kind,
 * held by a partial unique index), cancellation at the device, and escalation (the next due
 * time is a column, so escalation survives restarts and is taken once across instances).
 */
export class AlarmRules1764300000000 implements MigrationInterface {
  name = 'AlarmRules1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE alarms ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'care' CHECK (kind IN ('care', 'technical', 'system'))`,
    );
    await queryRunner.query(`ALTER TABLE alarms ADD COLUMN correlation_key varchar(200)`);
    await queryRunner.query(
      `UPDATE alarms SET correlation_key = COALESCE('resident:' || resident_id::text, 'device:' || device_id) || ':' || trigger_type`,
    );
    // Alarms from before correlation may share a key while unresolved: the newest keeps it.
    await queryRunner.query(`
      UPDATE alarms SET correlation_key = alarms.correlation_key || ':before-rules:' || alarms.id
      FROM (SELECT id, row_number() OVER (PARTITION BY correlation_key ORDER BY opened_at DESC) AS newest FROM alarms WHERE state <> 'resolved') ranked
      WHERE alarms.id = ranked.id AND ranked.newest > 1`);
    await queryRunner.query(`ALTER TABLE alarms ALTER COLUMN correlation_key SET NOT NULL`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX alarms_one_unresolved_per_key ON alarms (correlation_key) WHERE state <> 'resolved'`,
    );
    await queryRunner.query(`ALTER TABLE alarms ADD COLUMN repeat_count integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE alarms ADD COLUMN last_triggered_at timestamptz`);
    await queryRunner.query(`UPDATE alarms SET last_triggered_at = triggered_at`);
    await queryRunner.query(`ALTER TABLE alarms ALTER COLUMN last_triggered_at SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE alarms ADD COLUMN cancelled_at_device_at timestamptz`);
    await queryRunner.query(`ALTER TABLE alarms ADD COLUMN escalation_level smallint NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE alarms ADD COLUMN escalate_at timestamptz`);
    // Alarms still open from before escalation existed are due at once.
    await queryRunner.query(`UPDATE alarms SET escalate_at = opened_at WHERE state = 'open'`);
    await queryRunner.query(`CREATE INDEX alarms_escalation_due ON alarms (escalate_at) WHERE state = 'open'`);
    await queryRunner.query(`ALTER TABLE alarms ALTER COLUMN kind DROP DEFAULT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX alarms_escalation_due`);
    await queryRunner.query(`DROP INDEX alarms_one_unresolved_per_key`);
    for (const column of [
      'escalate_at',
      'escalation_level',
      'cancelled_at_device_at',
      'last_triggered_at',
      'repeat_count',
      'correlation_key',
      'kind',
    ]) {
      await queryRunner.query(`ALTER TABLE alarms DROP COLUMN ${column}`);
    }
  }
}
