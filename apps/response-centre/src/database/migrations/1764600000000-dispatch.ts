import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispatch to home-care teams: the local view of registry.home-care-teams.v1, the dispatches
 * (one active per alarm, held by a partial unique index), and the updates home care sent
 * (their ids are the de-duplication gate for redelivered records).
 */
export class Dispatch1764600000000 implements MigrationInterface {
  name = 'Dispatch1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE registry_home_care_teams (
        team_id uuid PRIMARY KEY,
        revision bigint NOT NULL,
        municipality_id uuid NOT NULL,
        name varchar(200) NOT NULL,
        deleted boolean NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX registry_home_care_teams_by_municipality ON registry_home_care_teams (municipality_id) WHERE NOT deleted`,
    );
    await queryRunner.query(`
      CREATE TABLE dispatches (
        id uuid PRIMARY KEY,
        alarm_id uuid NOT NULL REFERENCES alarms (id),
        home_care_team_id uuid NOT NULL,
        home_care_team_name varchar(200) NOT NULL,
        municipality_id uuid NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('requested', 'accepted', 'en_route', 'arrived', 'completed', 'declined', 'expired', 'unanswered', 'withdrawn')),
        instructions varchar(2000) NOT NULL,
        requested_by varchar(128) NOT NULL,
        requested_by_name varchar(255),
        requested_at timestamptz NOT NULL,
        accept_by timestamptz NOT NULL,
        accepted_by_id varchar(200),
        accepted_by_name varchar(200),
        accepted_at timestamptz,
        withdrawn_by varchar(128),
        withdrawn_at timestamptz,
        withdraw_reason varchar(2000),
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX dispatches_by_alarm ON dispatches (alarm_id, requested_at)`);
    // At most one dispatch per alarm a team may still be acting on; re-dispatch once it ended.
    await queryRunner.query(
      `CREATE UNIQUE INDEX dispatches_one_active_per_alarm ON dispatches (alarm_id) WHERE status IN ('requested', 'accepted', 'en_route', 'arrived')`,
    );
    await queryRunner.query(
      `CREATE INDEX dispatches_unanswered_due ON dispatches (accept_by) WHERE status = 'requested'`,
    );
    await queryRunner.query(`
      CREATE TABLE dispatch_updates (
        update_id uuid PRIMARY KEY,
        dispatch_id uuid NOT NULL REFERENCES dispatches (id),
        type varchar(32) NOT NULL,
        received_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dispatch_updates`);
    await queryRunner.query(`DROP TABLE dispatches`);
    await queryRunner.query(`DROP TABLE registry_home_care_teams`);
  }
}
