import { MigrationInterface, QueryRunner } from 'typeorm';
import { createAccessLogTable, dropAccessLogTable } from '@welfare/access';

/**
 * Tenancy: every device belongs to a municipality (the one that bought it; its administrators
 * manage it), taken from the resident for devices already onboarded. And the access log of
 * reads of residents' personal data.
 */
export class Tenancy1764200000000 implements MigrationInterface {
  name = 'Tenancy1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN municipality_id uuid REFERENCES municipalities (id)`);
    await queryRunner.query(
      `UPDATE devices SET municipality_id = residents.municipality_id FROM residents WHERE residents.id = devices.resident_id`,
    );
    await queryRunner.query(`CREATE INDEX devices_by_municipality ON devices (municipality_id)`);
    await createAccessLogTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropAccessLogTable(queryRunner);
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN municipality_id`);
  }
}
