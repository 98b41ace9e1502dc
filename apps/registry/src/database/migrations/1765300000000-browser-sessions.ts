import { MigrationInterface, QueryRunner } from 'typeorm';
import { createBrowserSessionTable, dropBrowserSessionTable } from '@welfare/access';

/** Sessions of municipality administrators signed in on the admin pages (the backend keeps their tokens). */
export class BrowserSessions1765300000000 implements MigrationInterface {
  name = 'BrowserSessions1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createBrowserSessionTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropBrowserSessionTable(queryRunner);
  }
}
