import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Response centres, municipalities, home-care teams, residents, devices, and the outbox of
 * registry records. Constraints hold the rules the API also checks, so a race or a bulk import
 * cannot break them: a resident's team is in the resident's municipality, and only an active
 * device has a secret (retiring clears it).
 */
export class Registry1764000000000 implements MigrationInterface {
  name = 'Registry1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE response_centres (
        id uuid PRIMARY KEY,
        name varchar(200) NOT NULL CONSTRAINT response_centres_name_unique UNIQUE,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE municipalities (
        id uuid PRIMARY KEY,
        number char(4) NOT NULL CONSTRAINT municipalities_number_unique UNIQUE CHECK (number ~ '^[0-9]{4}$'),
        name varchar(200) NOT NULL,
        response_centre_id uuid NOT NULL REFERENCES response_centres (id),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX municipalities_by_centre ON municipalities (response_centre_id)`);
    await queryRunner.query(`
      CREATE TABLE home_care_teams (
        id uuid PRIMARY KEY,
        municipality_id uuid NOT NULL REFERENCES municipalities (id),
        name varchar(200) NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT home_care_teams_name_unique UNIQUE (municipality_id, name),
        CONSTRAINT home_care_teams_id_municipality UNIQUE (id, municipality_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE residents (
        id uuid PRIMARY KEY,
        name varchar(200) NOT NULL,
        address varchar(300) NOT NULL,
        municipality_id uuid NOT NULL REFERENCES municipalities (id),
        home_care_team_id uuid,
        key_box varchar(500),
        door_code_hint varchar(200),
        access_note varchar(1000),
        contacts jsonb NOT NULL DEFAULT '[]',
        care_note varchar(1000),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT residents_team_in_municipality FOREIGN KEY (home_care_team_id, municipality_id)
          REFERENCES home_care_teams (id, municipality_id)
      )`);
    await queryRunner.query(`CREATE INDEX residents_by_municipality ON residents (municipality_id)`);
    await queryRunner.query(`
      CREATE TABLE devices (
        id varchar(64) PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
        serial_number varchar(100) NOT NULL CONSTRAINT devices_serial_number_unique UNIQUE,
        kind varchar(32) NOT NULL CHECK (kind IN ('safety_alarm', 'door_sensor', 'gps_tracker', 'fall_detector')),
        state varchar(16) NOT NULL CHECK (state IN ('in_stock', 'active', 'retired')),
        resident_id uuid REFERENCES residents (id),
        heartbeat_interval_seconds integer NOT NULL CHECK (heartbeat_interval_seconds BETWEEN 10 AND 86400),
        secret_hash varchar(200),
        credentials_issued_at timestamptz,
        revision integer NOT NULL CHECK (revision >= 0),
        retired_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT devices_secret_only_when_active CHECK ((state = 'active') = (secret_hash IS NOT NULL)),
        CONSTRAINT devices_active_has_resident CHECK (state <> 'active' OR resident_id IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX devices_by_resident ON devices (resident_id)`);
    await queryRunner.query(`
      CREATE TABLE outbox_messages (
        id bigserial PRIMARY KEY,
        topic varchar(128) NOT NULL,
        message_key varchar(128) NOT NULL,
        payload text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE outbox_messages`);
    await queryRunner.query(`DROP TABLE devices`);
    await queryRunner.query(`DROP TABLE residents`);
    await queryRunner.query(`DROP TABLE home_care_teams`);
    await queryRunner.query(`DROP TABLE municipalities`);
    await queryRunner.query(`DROP TABLE response_centres`);
  }
}
