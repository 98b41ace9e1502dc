import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RegistryDeviceRecord } from '@welfare/contracts';

/** Who an alarm concerns and who answers it, as the registry last said. */
export interface DeviceOwnership {
  residentId: string | null;
  municipalityId: string | null;
  responseCentreId: string | null;
}

/** The local copy of registry.devices.v1: one row per device, the highest revision wins. */
@Injectable()
export class RegistryDevicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Keeps the record unless a newer revision is already here (redelivery, or two relays' overlap). */
  async upsert(record: RegistryDeviceRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO registry_devices (device_id, revision, state, kind, resident_id, home_care_team_id, municipality_id, response_centre_id, heartbeat_interval_seconds, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (device_id) DO UPDATE SET
         revision = EXCLUDED.revision, state = EXCLUDED.state, kind = EXCLUDED.kind, resident_id = EXCLUDED.resident_id,
         home_care_team_id = EXCLUDED.home_care_team_id, municipality_id = EXCLUDED.municipality_id,
         response_centre_id = EXCLUDED.response_centre_id, heartbeat_interval_seconds = EXCLUDED.heartbeat_interval_seconds,
         updated_at = EXCLUDED.updated_at
       WHERE registry_devices.revision < EXCLUDED.revision`,
      [
        record.deviceId,
        record.revision,
        record.state,
        record.kind,
        record.residentId,
        record.homeCareTeamId,
        record.municipalityId,
        record.responseCentreId,
        record.heartbeatIntervalSeconds,
        record.updatedAt,
      ],
    );
  }

  /** Null when the registry has not told us about the device (yet). */
  async ownership(manager: EntityManager, deviceId: string): Promise<DeviceOwnership | null> {
    const rows: { resident_id: string | null; municipality_id: string | null; response_centre_id: string | null }[] =
      await manager.query(
        `SELECT resident_id, municipality_id, response_centre_id FROM registry_devices WHERE device_id = $1`,
        [deviceId],
      );
    if (rows.length === 0) return null;
    return {
      residentId: rows[0].resident_id,
      municipalityId: rows[0].municipality_id,
      responseCentreId: rows[0].response_centre_id,
    };
  }
}
