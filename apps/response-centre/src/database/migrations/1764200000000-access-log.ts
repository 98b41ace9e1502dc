import { MigrationInterface, QueryRunner } from 'typeorm';
import { createAccessLogTable, dropAccessLogTable } from '@welfare/access';

/** The access log: every read of a resident's personal data (alarm detail, device events). */
export class AccessLog1764200000000 implements MigrationInterface {
  name = 'AccessLog1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createAccessLogTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropAccessLogTable(queryRunner);
  }
}
