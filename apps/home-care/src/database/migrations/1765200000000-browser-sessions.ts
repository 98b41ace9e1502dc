import { MigrationInterface, QueryRunner } from 'typeorm';
import { createBrowserSessionTable, dropBrowserSessionTable } from '@welfare/access';

/** Sessions of nurses signed in on the phone page (the backend keeps their tokens). */
export class BrowserSessions1765200000000 implements MigrationInterface {
  name = 'BrowserSessions1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createBrowserSessionTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropBrowserSessionTable(queryRunner);
  }
}
