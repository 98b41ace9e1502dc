import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTable, dropAppendOnly, makeAppendOnly } from '@welfare/persistence';
import { createAccessLogTable, dropAccessLogTable } from '@welfare/access';

/**
 * Dispatches to home-care teams, their append-only log (also the live stream's source), the
 * outbox of dispatch updates for the response centre, and the access log.
 */
export class HomeCare1765000000000 implements MigrationInterface {
  name = 'HomeCare1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dispatches (
        id uuid PRIMARY KEY,
        alarm_id uuid NOT NULL,
        home_care_team_id uuid NOT NULL,
        municipality_id uuid NOT NULL,
        response_centre_id uuid NOT NULL,
        priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 3),
        trigger_type varchar(64) NOT NULL,
        instructions text NOT NULL,
        resident jsonb,
        resident_id uuid,
        requested_by_id varchar(200) NOT NULL,
        requested_by_name varchar(200),
        requested_at timestamptz NOT NULL,
        accept_by timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('requested', 'accepted', 'en_route', 'arrived', 'completed', 'declined', 'expired', 'withdrawn')),
        accepted_by_id varchar(200),
        accepted_by_name varchar(200),
        accepted_at timestamptz,
        en_route_by_id varchar(200),
        en_route_by_name varchar(200),
        en_route_at timestamptz,
        arrived_by_id varchar(200),
        arrived_by_name varchar(200),
        arrived_at timestamptz,
        completed_by_id varchar(200),
        completed_by_name varchar(200),
        completed_at timestamptz,
        report text,
        declined_by_id varchar(200),
        declined_by_name varchar(200),
        declined_at timestamptz,
        decline_reason text,
        expired_at timestamptz,
        withdrawn_by_id varchar(200),
        withdrawn_by_name varchar(200),
        withdrawn_at timestamptz,
        withdrawal_reason text,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX dispatches_by_team ON dispatches (home_care_team_id, status, priority, requested_at)`,
    );
    await queryRunner.query(`CREATE INDEX dispatches_expiry_due ON dispatches (accept_by) WHERE status = 'requested'`);

    // tx: the writing transaction's id. Ids of a bigserial are handed out in one order and
    // committed in another, so the live stream orders by (tx, id) and only reads rows whose
    // transaction is older than every transaction still running (see dispatch-log.repository.ts).
    await queryRunner.query(`
      CREATE TABLE dispatch_log (
        id bigserial PRIMARY KEY,
        tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
        dispatch_id uuid NOT NULL REFERENCES dispatches (id),
        home_care_team_id uuid NOT NULL,
        step varchar(32) NOT NULL,
        at timestamptz NOT NULL,
        actor_kind varchar(16) NOT NULL CHECK (actor_kind IN ('response_centre', 'home_care', 'system')),
        actor_id varchar(200) NOT NULL,
        actor_name varchar(200),
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX dispatch_log_by_dispatch ON dispatch_log (dispatch_id, id)`);
    await queryRunner.query(`CREATE INDEX dispatch_log_stream ON dispatch_log (home_care_team_id, tx, id)`);
    // A record of care given: the database itself refuses to change or delete it.
    await makeAppendOnly(queryRunner, 'dispatch_log');
    await createOutboxTable(queryRunner);
    await createAccessLogTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropAccessLogTable(queryRunner);
    await queryRunner.query(`DROP TABLE outbox_messages`);
    await queryRunner.query(`DROP TABLE dispatch_log`);
    await dropAppendOnly(queryRunner, 'dispatch_log');
    await queryRunner.query(`DROP TABLE dispatches`);
  }
}
