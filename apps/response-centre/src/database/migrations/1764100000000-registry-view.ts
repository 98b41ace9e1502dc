import { MigrationInterface, QueryRunner } from 'typeorm';

/** The response centre's local view of the registry's devices, and alarms stamped from it. */
export class RegistryView1764100000000 implements MigrationInterface {
  name = 'RegistryView1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE registry_devices (
        device_id varchar(64) PRIMARY KEY,
        revision bigint NOT NULL,
        state varchar(16) NOT NULL,
        kind varchar(32) NOT NULL,
        resident_id uuid,
        home_care_team_id uuid,
        municipality_id uuid,
        response_centre_id uuid,
        heartbeat_interval_seconds integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `ALTER TABLE alarms ADD COLUMN resident_id uuid, ADD COLUMN municipality_id uuid, ADD COLUMN response_centre_id uuid`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE alarms DROP COLUMN resident_id, DROP COLUMN municipality_id, DROP COLUMN response_centre_id`,
    );
    await queryRunner.query(`DROP TABLE registry_devices`);
  }
}
