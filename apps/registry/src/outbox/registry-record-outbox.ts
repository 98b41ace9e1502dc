import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DeviceKind, DeviceState, encodeRegistryDeviceRecord, KafkaTopics, RegistryDeviceRecord } from '@welfare/contracts';
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
  updated_at: Date;
}

/**
 * Queues the current registry record of devices inside the caller's transaction, after its
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
    await manager.query(`UPDATE devices SET revision = revision + 1, updated_at = $2 WHERE id = ANY($1)`, [deviceIds, at]);
    const rows: DeviceRecordRow[] = await manager.query(
      `SELECT d.id, d.revision, d.state, d.kind, d.serial_number, d.resident_id, r.home_care_team_id, r.municipality_id,
              m.response_centre_id, d.heartbeat_interval_seconds, d.credentials_issued_at, d.updated_at
         FROM devices d
         LEFT JOIN residents r ON r.id = d.resident_id
         LEFT JOIN municipalities m ON m.id = r.municipality_id
        WHERE d.id = ANY($1) ORDER BY d.id`,
      [deviceIds],
    );
    await manager.insert(OutboxMessage, rows.map((row) => toOutboxRow(row, at)));
    return rows.length;
  }

  async publishDevicesOfResident(manager: EntityManager, residentId: string, at: Date): Promise<number> {
    const rows: { id: string }[] = await manager.query(`SELECT id FROM devices WHERE resident_id = $1`, [residentId]);
    return this.publishDevices(manager, rows.map((row) => row.id), at);
  }

  async publishDevicesOfMunicipality(manager: EntityManager, municipalityId: string, at: Date): Promise<number> {
    const rows: { id: string }[] = await manager.query(
      `SELECT d.id FROM devices d JOIN residents r ON r.id = d.resident_id WHERE r.municipality_id = $1`,
      [municipalityId],
    );
    return this.publishDevices(manager, rows.map((row) => row.id), at);
  }
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
    updatedAt: row.updated_at.toISOString(),
  };
  return { topic: KafkaTopics.registryDevices, messageKey: row.id, payload: encodeRegistryDeviceRecord(record).toString('utf8'), createdAt: at };
}
