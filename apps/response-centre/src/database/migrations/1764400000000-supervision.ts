import { MigrationInterface, QueryRunner } from 'typeorm';

/** Heartbeat supervision: when each active device was last heard, when it counts as silent, and its silence alarm. */
export class Supervision1764400000000 implements MigrationInterface {
  name = 'Supervision1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE device_supervision (
        device_id varchar(64) PRIMARY KEY,
        last_heard_at timestamptz NOT NULL,
        silent_after timestamptz NOT NULL,
        silent_alarm_id uuid REFERENCES alarms (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX device_supervision_due ON device_supervision (silent_after) WHERE silent_alarm_id IS NULL`,
    );
    // Devices the registry view already knows are watched from now on.
    await queryRunner.query(`
      INSERT INTO device_supervision (device_id, last_heard_at, silent_after)
      SELECT device_id, now(), now() + make_interval(secs => heartbeat_interval_seconds + 120) FROM registry_devices WHERE state = 'active'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE device_supervision`);
  }
}
