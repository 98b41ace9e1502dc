import type { QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly } from '@welfare/persistence';

/** The access_log table and its append-only triggers; each service's own migration calls this. */
export async function createAccessLogTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE access_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      actor_subject varchar(255) NOT NULL,
      actor_name varchar(255) NOT NULL,
      actor_roles varchar(255) NOT NULL,
      actor_tenant varchar(64),
      action varchar(64) NOT NULL,
      resource_id varchar(128) NOT NULL,
      resident_id uuid
    )`);
  await queryRunner.query(`CREATE INDEX access_log_by_resident ON access_log (resident_id, id)`);
  await queryRunner.query(`CREATE INDEX access_log_by_actor ON access_log (actor_subject, id)`);
  // Who read what must hold up afterwards: the database refuses to change or delete it.
  await makeAppendOnly(queryRunner, 'access_log');
}

export async function dropAccessLogTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP TABLE access_log`);
  await dropAppendOnly(queryRunner, 'access_log');
}
