import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  DeviceKind,
  DeviceState,
  encodeRegistryDeviceRecord,
  encodeRegistryRecord,
  KafkaTopics,
  RegistryDeviceRecord,
} from '@welfare/contracts';
import type {
  ResidentContact,
  MunicipalityAlarmRuleDefaults,
  RegistryHomeCareTeamRecord,
  RegistryMunicipalityRecord,
  RegistryResidentRecord,
  ResidentAlarmRules,
} from '@welfare/contracts';
import { OutboxMessage } from '@welfare/persistence';

interface DeviceRecordRow {
  id: string;
  revision: number;
  state: DeviceState;
  kind: DeviceKind;
  serial_number: string;
  resident_id: string | null;
  home_care_team_id: string | null;
  municipality_id: string | null;
  response_centre_id: string | null;
  heartbeat_interval_seconds: number;
  credentials_issued_at: Date | null;
  scaip_controller_id: string | null;
  scaip_sub_device_id: string | null;
  updated_at: Date;
}

interface ResidentRow {
  id: string;
  revision: number;
  municipality_id: string;
  home_care_team_id: string | null;
  name: string;
  address: string;
  key_box: string | null;
  door_code_hint: string | null;
  access_note: string | null;
  contacts: ResidentContact[];
  care_note: string | null;
  alarm_rules: ResidentAlarmRules;
  updated_at: Date;
}

/**
 * Queues the current registry records inside the caller's transaction, after its
 * change: every change that alters what a device's record says (the device itself, its
 * resident's municipality or team, the municipality's centre) calls this for the devices
 * concerned. The relay sends the rows after commit, in order.
 */
@Injectable()
export class RegistryRecordOutbox {
  async publishDevices(manager: EntityManager, deviceIds: string[], at: Date): Promise<number> {
    if (deviceIds.length === 0) return 0;
    // The row lock taken here also orders concurrent changes of one device: the second waits,
    // then reads the first's committed state and gets the next revision and a later outbox id.
    await manager.query(`UPDATE devices SET revision = revision + 1, updated_at = $2 WHERE id = ANY($1)`, [
      deviceIds,
      at,
    ]);
    const rows: DeviceRecordRow[] = await manager.query(
      `SELECT d.id, d.revision, d.state, d.kind, d.serial_number, d.resident_id, r.home_care_team_id, r.municipality_id,
              m.response_centre_id, d.heartbeat_interval_seconds, d.credentials_issued_at, d.updated_at,
              d.scaip_controller_id, d.scaip_sub_device_id
         FROM devices d
         LEFT JOIN residents r ON r.id = d.resident_id
         LEFT JOIN municipalities m ON m.id = r.municipality_id
        WHERE d.id = ANY($1) ORDER BY d.id`,
      [deviceIds],
    );
    await manager.insert(
      OutboxMessage,
      rows.map((row) => toOutboxRow(row, at)),
    );
    return rows.length;
  }

  async publishDevicesOfResident(manager: EntityManager, residentId: string, at: Date): Promise<number> {
    const rows: { id: string }[] = await manager.query(`SELECT id FROM devices WHERE resident_id = $1`, [residentId]);
    return this.publishDevices(
      manager,
      rows.map((row) => row.id),
      at,
    );
  }

  async publishDevicesOfMunicipality(manager: EntityManager, municipalityId: string, at: Date): Promise<number> {
    const rows: { id: string }[] = await manager.query(
      `SELECT d.id FROM devices d JOIN residents r ON r.id = d.resident_id WHERE r.municipality_id = $1`,
      [municipalityId],
    );
    return this.publishDevices(
      manager,
      rows.map((row) => row.id),
      at,
    );
  }

  // Residents, municipalities and home-care teams have a record each on a topic of their own,
  // queued the same way, with the revision raised (which also orders concurrent changes of one
  // row). `deleted`: the row is about to be deleted; its last record says so (and carries no
  // personal data), so consumers drop what they kept.

  async publishResident(manager: EntityManager, id: string, at: Date, deleted = false): Promise<void> {
    const [row] = await bumped<ResidentRow>(manager, 'residents', id);
    const record: RegistryResidentRecord = {
      v: 1,
      residentId: row.id,
      revision: row.revision,
      municipalityId: row.municipality_id,
      homeCareTeamId: deleted ? null : row.home_care_team_id,
      name: deleted ? '' : row.name,
      address: deleted ? '' : row.address,
      keyBox: deleted ? null : row.key_box,
      doorCodeHint: deleted ? null : row.door_code_hint,
      accessNote: deleted ? null : row.access_note,
      contacts: deleted ? [] : row.contacts,
      careNote: deleted ? null : row.care_note,
      alarmRules: deleted ? {} : row.alarm_rules,
      deleted,
      updatedAt: at.toISOString(),
    };
    await queue(manager, KafkaTopics.registryResidents, row.id, record, at);
  }

  async publishMunicipality(manager: EntityManager, id: string, at: Date, deleted = false): Promise<void> {
    const [row] = await bumped<{
      id: string;
      revision: number;
      name: string;
      response_centre_id: string;
      alarm_rule_defaults: MunicipalityAlarmRuleDefaults;
    }>(manager, 'municipalities', id);
    const record: RegistryMunicipalityRecord = {
      v: 1,
      municipalityId: row.id,
      revision: row.revision,
      name: row.name,
      responseCentreId: row.response_centre_id,
      alarmRuleDefaults: row.alarm_rule_defaults,
      deleted,
      updatedAt: at.toISOString(),
    };
    await queue(manager, KafkaTopics.registryMunicipalities, row.id, record, at);
  }

  async publishTeam(manager: EntityManager, id: string, at: Date, deleted = false): Promise<void> {
    const [row] = await bumped<{ id: string; revision: number; municipality_id: string; name: string }>(
      manager,
      'home_care_teams',
      id,
    );
    const record: RegistryHomeCareTeamRecord = {
      v: 1,
      teamId: row.id,
      revision: row.revision,
      municipalityId: row.municipality_id,
      name: row.name,
      deleted,
      updatedAt: at.toISOString(),
    };
    await queue(manager, KafkaTopics.registryHomeCareTeams, row.id, record, at);
  }
}

/** Raises the row's revision (locking it to the end of the transaction) and reads it back. */
async function bumped<T>(
  manager: EntityManager,
  table: 'residents' | 'municipalities' | 'home_care_teams',
  id: string,
): Promise<T[]> {
  await manager.query(`UPDATE ${table} SET revision = revision + 1 WHERE id = $1`, [id]);
  const rows: T[] = await manager.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
  if (rows.length !== 1) throw new Error(`${table} ${id} vanished inside its own transaction`);
  return rows;
}

async function queue(manager: EntityManager, topic: string, key: string, record: object, at: Date): Promise<void> {
  await manager.insert(OutboxMessage, {
    topic,
    messageKey: key,
    payload: encodeRegistryRecord(record).toString('utf8'),
    createdAt: at,
  });
}

function toOutboxRow(row: DeviceRecordRow, at: Date): Partial<OutboxMessage> {
  const record: RegistryDeviceRecord = {
    v: 1,
    deviceId: row.id,
    revision: row.revision,
    state: row.state,
    kind: row.kind,
    serialNumber: row.serial_number,
    residentId: row.resident_id,
    homeCareTeamId: row.home_care_team_id,
    municipalityId: row.municipality_id,
    responseCentreId: row.response_centre_id,
    heartbeatIntervalSeconds: row.heartbeat_interval_seconds,
    credentialsIssuedAt: row.credentials_issued_at?.toISOString() ?? null,
    scaip: row.scaip_controller_id
      ? { controllerId: row.scaip_controller_id, subDeviceId: row.scaip_sub_device_id }
      : null,
    updatedAt: row.updated_at.toISOString(),
  };
  return {
    topic: KafkaTopics.registryDevices,
    messageKey: row.id,
    payload: encodeRegistryDeviceRecord(record).toString('utf8'),
    createdAt: at,
  };
}
