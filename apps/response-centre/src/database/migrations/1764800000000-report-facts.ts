import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reporting read model: one row per alarm with the moments reports measure, folded from the
 * handling log by the projection (reports/report-projection.service.ts) off the alarm path. The
 * reports read this table only, never alarms or the log, so a month's report takes no lock and no
 * index page the intake needs. The projection's place in the log is one row, moved in the
 * transaction that writes the facts, so every step is counted exactly once.
 */
export class ReportFacts1764800000000 implements MigrationInterface {
  name = 'ReportFacts1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE report_alarm_facts (
        alarm_id uuid PRIMARY KEY,
        municipality_id uuid,
        response_centre_id uuid,
        trigger_type varchar(64) NOT NULL,
        priority smallint NOT NULL,
        kind varchar(32) NOT NULL,
        triggered_at timestamptz NOT NULL,
        opened_at timestamptz NOT NULL,
        acknowledged_at timestamptz,
        first_dispatched_at timestamptz,
        first_accepted_at timestamptz,
        first_arrived_at timestamptz,
        resolved_at timestamptz,
        outcome varchar(32),
        escalations integer NOT NULL DEFAULT 0,
        dispatches integer NOT NULL DEFAULT 0,
        dispatches_declined integer NOT NULL DEFAULT 0,
        dispatches_expired integer NOT NULL DEFAULT 0,
        dispatches_unanswered integer NOT NULL DEFAULT 0
      )`);
    // Reports ask for one municipality's or one centre's alarms opened in a period.
    await queryRunner.query(
      `CREATE INDEX report_alarm_facts_municipality ON report_alarm_facts (municipality_id, opened_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX report_alarm_facts_centre ON report_alarm_facts (response_centre_id, opened_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE report_projection_position (
        id smallint PRIMARY KEY CHECK (id = 1),
        tx xid8 NOT NULL,
        log_id bigint NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO report_projection_position (id, tx, log_id) VALUES (1, '0', 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE report_projection_position`);
    await queryRunner.query(`DROP TABLE report_alarm_facts`);
  }
}
