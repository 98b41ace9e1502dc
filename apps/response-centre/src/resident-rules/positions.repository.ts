import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** How many positions each device keeps: enough for the operator to see where someone went. */
export const TRAIL_LENGTH = 100;

export interface Position {
  deviceId: string;
  lat: number;
  lon: number;
  accuracyMeters: number | null;
  /** When the tracker took the position (device time). */
  at: Date;
  insideSafeZone: boolean | null;
}

interface PositionRow {
  device_id: string;
  resident_id?: string;
  lat: number;
  lon: number;
  accuracy_meters: number | null;
  at: Date;
  inside_safe_zone: boolean | null;
}

const toPosition = (row: PositionRow): Position => ({
  deviceId: row.device_id,
  lat: row.lat,
  lon: row.lon,
  accuracyMeters: row.accuracy_meters,
  at: row.at,
  insideSafeZone: row.inside_safe_zone,
});

/** The short trail of GPS positions per device, and the last known position of a resident. */
@Injectable()
export class PositionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether the device's previous position was inside a safe zone (null: no zones then, or no position yet). */
  async previousInside(manager: EntityManager, deviceId: string): Promise<boolean | null> {
    const rows: { inside_safe_zone: boolean | null }[] = await manager.query(
      `SELECT inside_safe_zone FROM device_positions WHERE device_id = $1 ORDER BY id DESC LIMIT 1`,
      [deviceId],
    );
    return rows[0]?.inside_safe_zone ?? null;
  }

  /** Adds the position and drops what falls off the end of the device's trail. */
  async append(
    manager: EntityManager,
    position: Position & { residentId: string | null; eventId: string; receivedAt: Date },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO device_positions (device_id, resident_id, event_id, lat, lon, accuracy_meters, at, received_at, inside_safe_zone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        position.deviceId,
        position.residentId,
        position.eventId,
        position.lat,
        position.lon,
        position.accuracyMeters,
        position.at,
        position.receivedAt,
        position.insideSafeZone,
      ],
    );
    await manager.query(
      `DELETE FROM device_positions WHERE device_id = $1 AND id < (SELECT id FROM device_positions WHERE device_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [position.deviceId, TRAIL_LENGTH - 1],
    );
  }

  /** The newest position of each resident (over all their trackers), by resident id. */
  async latestOfResidents(residentIds: string[]): Promise<Map<string, Position>> {
    if (residentIds.length === 0) return new Map();
    const rows: PositionRow[] = await this.dataSource.query(
      `SELECT DISTINCT ON (resident_id) resident_id, device_id, lat, lon, accuracy_meters, at, inside_safe_zone
         FROM device_positions WHERE resident_id = ANY($1) ORDER BY resident_id, at DESC, id DESC`,
      [residentIds],
    );
    return new Map(rows.map((row) => [row.resident_id as string, toPosition(row)]));
  }

  /** The newest positions of the resident's trackers, newest first. */
  async trailOfResident(residentId: string, limit: number): Promise<Position[]> {
    const rows: PositionRow[] = await this.dataSource.query(
      `SELECT device_id, lat, lon, accuracy_meters, at, inside_safe_zone FROM device_positions WHERE resident_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [residentId, limit],
    );
    return rows.map(toPosition);
  }
}
