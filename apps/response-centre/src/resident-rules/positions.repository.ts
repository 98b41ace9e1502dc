import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { PositionFact } from '../intake/event-decisions';

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

  /** Whether each device's newest position was inside a safe zone (absent or null: no zones then, or no position yet). */
  async previousInsideOf(manager: EntityManager, deviceIds: string[]): Promise<Map<string, boolean | null>> {
    if (deviceIds.length === 0) return new Map();
    const rows: { device_id: string; inside_safe_zone: boolean | null }[] = await manager.query(
      `SELECT DISTINCT ON (device_id) device_id, inside_safe_zone FROM device_positions
        WHERE device_id = ANY($1::varchar[]) ORDER BY device_id, id DESC`,
      [deviceIds],
    );
    return new Map(rows.map((row) => [row.device_id, row.inside_safe_zone]));
  }

  /** Adds a batch's positions in one statement, in order; the trail is trimmed later (trimTrails). */
  async appendMany(manager: EntityManager, positions: PositionFact[]): Promise<void> {
    if (positions.length === 0) return;
    const column = <K extends keyof PositionFact>(key: K) => positions.map((position) => position[key]);
    await manager.query(
      `INSERT INTO device_positions (device_id, resident_id, event_id, lat, lon, accuracy_meters, at, received_at, inside_safe_zone)
       SELECT p.device_id, p.resident_id, p.event_id, p.lat, p.lon, p.accuracy_meters, p.at, p.received_at, p.inside_safe_zone
         FROM unnest($1::varchar[], $2::uuid[], $3::varchar[], $4::float8[], $5::float8[], $6::float8[],
                     $7::timestamptz[], $8::timestamptz[], $9::boolean[])
              WITH ORDINALITY AS p(device_id, resident_id, event_id, lat, lon, accuracy_meters, at, received_at, inside_safe_zone, n)
        ORDER BY p.n`,
      [
        column('deviceId'),
        column('residentId'),
        column('eventId'),
        column('lat'),
        column('lon'),
        column('accuracyMeters'),
        column('at'),
        column('receivedAt'),
        column('insideSafeZone'),
      ],
    );
  }

  /** Drops what falls off the end of these devices' trails (housekeeping, off the per-event path). */
  async trimTrails(deviceIds: string[]): Promise<number> {
    if (deviceIds.length === 0) return 0;
    const [, deleted]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM device_positions p USING (
         SELECT id FROM (
           SELECT id, row_number() OVER (PARTITION BY device_id ORDER BY id DESC) AS n
             FROM device_positions WHERE device_id = ANY($1::varchar[])
         ) ranked WHERE n > $2
       ) old WHERE p.id = old.id`,
      [deviceIds, TRAIL_LENGTH],
    );
    return deleted;
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
