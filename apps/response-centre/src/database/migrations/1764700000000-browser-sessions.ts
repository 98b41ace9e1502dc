import { MigrationInterface, QueryRunner } from 'typeorm';
import { createBrowserSessionTable, dropBrowserSessionTable } from '@welfare/access';

/** Sessions of operators signed in on the console (the backend keeps their tokens). */
export class BrowserSessions1764700000000 implements MigrationInterface {
  name = 'BrowserSessions1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createBrowserSessionTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropBrowserSessionTable(queryRunner);
  }
}
