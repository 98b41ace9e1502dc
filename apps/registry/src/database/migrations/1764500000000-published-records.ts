import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Residents, municipalities and home-care teams are published on compacted topics of their
 * own (the response centre needs residents' details and alarm rules, municipalities' defaults,
 * and the teams it may dispatch to); each gets a revision so consumers keep the newest. Alarm
 * rules: a resident's own, and the municipality's defaults. Everything already here is queued
 * for publication once, so an upgraded registry's consumers see the whole registry.
 */
export class PublishedRecords1764500000000 implements MigrationInterface {
  name = 'PublishedRecords1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['residents', 'municipalities', 'home_care_teams']) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD COLUMN revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1)`,
      );
    }
    await queryRunner.query(`ALTER TABLE residents ADD COLUMN alarm_rules jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE municipalities ADD COLUMN alarm_rule_defaults jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`
      INSERT INTO outbox_messages (topic, message_key, payload, created_at)
      SELECT 'registry.municipalities.v1', id::text, jsonb_build_object(
               'v', 1, 'municipalityId', id, 'revision', revision, 'name', name, 'responseCentreId', response_centre_id,
               'alarmRuleDefaults', alarm_rule_defaults, 'deleted', false, 'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text, now()
        FROM municipalities ORDER BY id`);
    await queryRunner.query(`
      INSERT INTO outbox_messages (topic, message_key, payload, created_at)
      SELECT 'registry.home-care-teams.v1', id::text, jsonb_build_object(
               'v', 1, 'teamId', id, 'revision', revision, 'municipalityId', municipality_id, 'name', name,
               'deleted', false, 'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text, now()
        FROM home_care_teams ORDER BY id`);
    await queryRunner.query(`
      INSERT INTO outbox_messages (topic, message_key, payload, created_at)
      SELECT 'registry.residents.v1', id::text, jsonb_build_object(
               'v', 1, 'residentId', id, 'revision', revision, 'municipalityId', municipality_id, 'homeCareTeamId', home_care_team_id,
               'name', name, 'address', address, 'keyBox', key_box, 'doorCodeHint', door_code_hint, 'accessNote', access_note,
               'contacts', contacts, 'careNote', care_note, 'alarmRules', alarm_rules, 'deleted', false,
               'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text, now()
        FROM residents ORDER BY id`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE municipalities DROP COLUMN alarm_rule_defaults`);
    await queryRunner.query(`ALTER TABLE residents DROP COLUMN alarm_rules`);
    for (const table of ['residents', 'municipalities', 'home_care_teams']) {
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN revision`);
    }
  }
}
