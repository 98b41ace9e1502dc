import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alarms, the device-event history (also the de-duplication gate), the append-only handling
 * log, and the outbox of device commands.
 */
export class Backbone1763900000000 implements MigrationInterface {
  name = 'Backbone1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alarms (
        id uuid PRIMARY KEY,
        device_id varchar(64) NOT NULL,
        trigger_event_id varchar(64) NOT NULL,
        trigger_type varchar(32) NOT NULL,
        priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 3),
        state varchar(16) NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
        triggered_at timestamptz NOT NULL,
        opened_at timestamptz NOT NULL,
        acknowledged_by varchar(128),
        acknowledged_at timestamptz,
        resolved_by varchar(128),
        resolved_at timestamptz,
        outcome varchar(32),
        updated_at timestamptz NOT NULL,
        CONSTRAINT alarms_trigger_unique UNIQUE (device_id, trigger_event_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX alarms_unresolved_queue ON alarms (priority, opened_at) WHERE state <> 'resolved'`,
    );
    // payload is json, not jsonb: it keeps the event exactly as sent, including characters
    // (such as \\u0000) that jsonb refuses; refusing them would lose an alarm.
    await queryRunner.query(`
      CREATE TABLE device_events (
        id bigserial PRIMARY KEY,
        device_id varchar(64) NOT NULL,
        event_id varchar(64) NOT NULL,
        type varchar(32) NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        stored_at timestamptz NOT NULL,
        payload json NOT NULL,
        alarm_id uuid REFERENCES alarms (id),
        CONSTRAINT device_events_device_event_unique UNIQUE (device_id, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX device_events_history ON device_events (device_id, stored_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE alarm_handling_log (
        id bigserial PRIMARY KEY,
        alarm_id uuid NOT NULL REFERENCES alarms (id),
        step varchar(32) NOT NULL,
        at timestamptz NOT NULL,
        actor_kind varchar(16) NOT NULL CHECK (actor_kind IN ('device', 'operator', 'system', 'home_care')),
        actor_id varchar(128) NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX alarm_handling_log_by_alarm ON alarm_handling_log (alarm_id, id)`);
    // The log is a record of care given: the database itself refuses to change or delete it.
    await queryRunner.query(`
      CREATE FUNCTION alarm_handling_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'alarm_handling_log is append-only (% refused)', TG_OP;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER alarm_handling_log_append_only BEFORE UPDATE OR DELETE ON alarm_handling_log
      FOR EACH ROW EXECUTE FUNCTION alarm_handling_log_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER alarm_handling_log_no_truncate BEFORE TRUNCATE ON alarm_handling_log
      FOR EACH STATEMENT EXECUTE FUNCTION alarm_handling_log_refuse_change()`);
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
    await queryRunner.query(`DROP TABLE alarm_handling_log`);
    await queryRunner.query(`DROP FUNCTION alarm_handling_log_refuse_change()`);
    await queryRunner.query(`DROP TABLE device_events`);
    await queryRunner.query(`DROP TABLE alarms`);
  }
}
