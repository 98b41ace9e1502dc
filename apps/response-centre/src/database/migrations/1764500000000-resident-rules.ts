import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registry's residents and municipalities as the response centre needs them (the operator's
 * view of the resident, and alarm rules), door watches for "door left open", and a short trail
 * of GPS positions per device.
 */
export class ResidentRules1764500000000 implements MigrationInterface {
  name = 'ResidentRules1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE registry_residents (
        resident_id uuid PRIMARY KEY,
        revision bigint NOT NULL,
        municipality_id uuid NOT NULL,
        home_care_team_id uuid,
        name varchar NOT NULL,
        address varchar NOT NULL,
        key_box varchar,
        door_code_hint varchar,
        access_note varchar,
        contacts jsonb NOT NULL,
        care_note varchar,
        alarm_rules jsonb NOT NULL,
        deleted boolean NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE registry_municipalities (
        municipality_id uuid PRIMARY KEY,
        revision bigint NOT NULL,
        name varchar NOT NULL,
        response_centre_id uuid NOT NULL,
        alarm_rule_defaults jsonb NOT NULL,
        deleted boolean NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE door_watches (
        device_id varchar(64) NOT NULL,
        door varchar(100) NOT NULL,
        resident_id uuid,
        opened_event_id varchar(64) NOT NULL,
        opened_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, door)
      )`);
    await queryRunner.query(`CREATE INDEX door_watches_due ON door_watches (due_at)`);
    await queryRunner.query(`
      CREATE TABLE device_positions (
        id bigserial PRIMARY KEY,
        device_id varchar(64) NOT NULL,
        resident_id uuid,
        event_id varchar(64) NOT NULL,
        lat double precision NOT NULL,
        lon double precision NOT NULL,
        accuracy_meters double precision,
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        inside_safe_zone boolean
      )`);
    await queryRunner.query(`CREATE INDEX device_positions_by_device ON device_positions (device_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX device_positions_by_resident ON device_positions (resident_id, at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['device_positions', 'door_watches', 'registry_municipalities', 'registry_residents']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
