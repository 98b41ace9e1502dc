import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which hours each device was heard in, for the reports' share of device-hours heard from.
 * Folded off the alarm path from the device history the intake writes anyway
 * (reports/device-heard-hours.service.ts): the intake gets no statement and no index more.
 * Supervision notes since when it watches each device, which bounds the hours a device counts.
 */
export class DeviceHeardHours1764900000000 implements MigrationInterface {
  name = 'DeviceHeardHours1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE device_heard_hours (
        device_id varchar(64) NOT NULL,
        hour timestamptz NOT NULL,
        PRIMARY KEY (device_id, hour)
      )`);
    // Device history read up to safe_id is final; pending_id was read too, and is final once
    // every transaction that was running at the time (ids below pending_xmax) has ended.
    await queryRunner.query(`
      CREATE TABLE device_heard_position (
        id smallint PRIMARY KEY CHECK (id = 1),
        safe_id bigint NOT NULL,
        pending_id bigint NOT NULL,
        pending_xmax xid8
      )`);
    await queryRunner.query(`INSERT INTO device_heard_position (id, safe_id, pending_id) VALUES (1, 0, 0)`);
    // Devices watched before this have no known start: from the upgrade on.
    await queryRunner.query(
      `ALTER TABLE device_supervision ADD COLUMN watched_since timestamptz NOT NULL DEFAULT now()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE device_supervision DROP COLUMN watched_since`);
    await queryRunner.query(`DROP TABLE device_heard_position`);
    await queryRunner.query(`DROP TABLE device_heard_hours`);
  }
}
