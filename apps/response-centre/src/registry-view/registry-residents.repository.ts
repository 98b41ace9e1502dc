import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { effectiveAlarmRules } from '@welfare/contracts';
import type {
  DispatchResident,
  ResidentContact,
  EffectiveAlarmRules,
  MunicipalityAlarmRuleDefaults,
  RegistryMunicipalityRecord,
  RegistryResidentRecord,
  ResidentAlarmRules,
} from '@welfare/contracts';

/** What the operator sees of a resident: who, where, how to get in, whom to call. */
export interface ResidentDetails {
  residentId: string;
  name: string;
  address: string;
  keyBox: string | null;
  doorCodeHint: string | null;
  accessNote: string | null;
  contacts: ResidentContact[];
  careNote: string | null;
  homeCareTeamId: string | null;
  /** The rules that apply to them now (their own over the municipality's defaults). */
  alarmRules: EffectiveAlarmRules;
}

/**
 * The local copy of registry.residents.v1 and registry.municipalities.v1 (the highest revision
 * wins). Rules are read from here at every event, so a change made in the registry applies from
 * the next event on, with no restart and no cache to go stale.
 */
@Injectable()
export class RegistryResidentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async upsertResident(r: RegistryResidentRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO registry_residents (resident_id, revision, municipality_id, home_care_team_id, name, address, key_box, door_code_hint, access_note, contacts, care_note, alarm_rules, deleted, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (resident_id) DO UPDATE SET
         revision = EXCLUDED.revision, municipality_id = EXCLUDED.municipality_id, home_care_team_id = EXCLUDED.home_care_team_id,
         name = EXCLUDED.name, address = EXCLUDED.address, key_box = EXCLUDED.key_box, door_code_hint = EXCLUDED.door_code_hint,
         access_note = EXCLUDED.access_note, contacts = EXCLUDED.contacts, care_note = EXCLUDED.care_note,
         alarm_rules = EXCLUDED.alarm_rules, deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at
       WHERE registry_residents.revision < EXCLUDED.revision`,
      [
        r.residentId,
        r.revision,
        r.municipalityId,
        r.homeCareTeamId,
        r.name,
        r.address,
        r.keyBox,
        r.doorCodeHint,
        r.accessNote,
        JSON.stringify(r.contacts),
        r.careNote,
        JSON.stringify(r.alarmRules),
        r.deleted,
        r.updatedAt,
      ],
    );
  }

  async upsertMunicipality(m: RegistryMunicipalityRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO registry_municipalities (municipality_id, revision, name, response_centre_id, alarm_rule_defaults, deleted, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (municipality_id) DO UPDATE SET
         revision = EXCLUDED.revision, name = EXCLUDED.name, response_centre_id = EXCLUDED.response_centre_id,
         alarm_rule_defaults = EXCLUDED.alarm_rule_defaults, deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at
       WHERE registry_municipalities.revision < EXCLUDED.revision`,
      [
        m.municipalityId,
        m.revision,
        m.name,
        m.responseCentreId,
        JSON.stringify(m.alarmRuleDefaults),
        m.deleted,
        m.updatedAt,
      ],
    );
  }

  /** The rules that apply to the resident now; null when the registry has not told us about them (no rule-based alarms then). */
  async rulesFor(manager: EntityManager, residentId: string): Promise<EffectiveAlarmRules | null> {
    const rows: { alarm_rules: ResidentAlarmRules; alarm_rule_defaults: MunicipalityAlarmRuleDefaults | null }[] =
      await manager.query(
        `SELECT r.alarm_rules, m.alarm_rule_defaults
         FROM registry_residents r LEFT JOIN registry_municipalities m ON m.municipality_id = r.municipality_id AND NOT m.deleted
        WHERE r.resident_id = $1 AND NOT r.deleted`,
        [residentId],
      );
    return rows.length === 0 ? null : effectiveAlarmRules(rows[0].alarm_rules, rows[0].alarm_rule_defaults);
  }

  /** What a nurse needs to get in and help, copied into a dispatch (inside the dispatch's transaction). */
  async forDispatch(manager: EntityManager, residentId: string | null): Promise<DispatchResident | null> {
    const details = residentId ? await this.details(residentId, manager) : null;
    if (!details) return null;
    const { residentId: id, name, address, keyBox, doorCodeHint, accessNote, contacts } = details;
    return { residentId: id, name, address, keyBox, doorCodeHint, accessNote, contacts };
  }

  async details(residentId: string, manager: EntityManager = this.dataSource.manager): Promise<ResidentDetails | null> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT r.*, m.alarm_rule_defaults FROM registry_residents r
         LEFT JOIN registry_municipalities m ON m.municipality_id = r.municipality_id AND NOT m.deleted
        WHERE r.resident_id = $1 AND NOT r.deleted`,
      [residentId],
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    return {
      residentId,
      name: row.name as string,
      address: row.address as string,
      keyBox: row.key_box as string | null,
      doorCodeHint: row.door_code_hint as string | null,
      accessNote: row.access_note as string | null,
      contacts: row.contacts as ResidentDetails['contacts'],
      careNote: row.care_note as string | null,
      homeCareTeamId: row.home_care_team_id as string | null,
      alarmRules: effectiveAlarmRules(
        row.alarm_rules as ResidentAlarmRules,
        row.alarm_rule_defaults as MunicipalityAlarmRuleDefaults | null,
      ),
    };
  }
}
