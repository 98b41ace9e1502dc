import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface SilentDevice {
  deviceId: string;
  lastHeardAt: Date;
}

/**
 * When each active device was last heard and when it counts as silent (interval + grace after
 * that), in the database: supervision survives restarts, and SKIP LOCKED lets two instances
 * share the sweep. Only devices the registry knows as active are supervised (they have an interval).
 */
@Injectable()
export class DeviceSupervisionRepository {
  /**
   * Heard now: the silence deadline moves on. Returns the silence alarm the device was linked to,
   * if any (now unlinked). One statement on the hot path: the row exists from when the registry
   * announced the device active (registered()); a device not watched is left alone.
   */
  async heard(manager: EntityManager, deviceId: string, at: Date, graceSeconds: number): Promise<string | null> {
    const [rows]: [{ previous: string | null }[], number] = await manager.query(
      `UPDATE device_supervision watch SET
         last_heard_at = GREATEST(watch.last_heard_at, $2::timestamptz),
         silent_after = GREATEST(watch.silent_after, $2::timestamptz + make_interval(secs => device.heartbeat_interval_seconds + $3::integer)),
         silent_alarm_id = NULL
         FROM (SELECT device_id, silent_alarm_id FROM device_supervision WHERE device_id = $1 FOR UPDATE) before, registry_devices device
        WHERE watch.device_id = before.device_id AND device.device_id = watch.device_id AND device.state = 'active'
       RETURNING before.silent_alarm_id AS previous`,
      [deviceId, at, graceSeconds],
    );
    return rows[0]?.previous ?? null;
  }

  /**
   * A batch's devices heard now, in one statement (heard() for each). Returns the silence alarm
   * each device was linked to, for those that had one (now unlinked).
   *
   * With `skipLocked`, a device whose row another transaction holds is left out instead of waited
   * for: that transaction is recording the device heard at about the same time (and closes its
   * silence alarm), and the alarm lane must not wait for a telemetry batch to commit.
   */
  async heardMany(
    manager: EntityManager,
    deviceIds: string[],
    at: Date,
    graceSeconds: number,
    skipLocked = false,
  ): Promise<Map<string, string>> {
    if (deviceIds.length === 0) return new Map();
    const [rows]: [{ device_id: string; previous: string | null }[], number] = await manager.query(
      `UPDATE device_supervision watch SET
         last_heard_at = GREATEST(watch.last_heard_at, $2::timestamptz),
         silent_after = GREATEST(watch.silent_after, $2::timestamptz + make_interval(secs => device.heartbeat_interval_seconds + $3::integer)),
         silent_alarm_id = NULL
         FROM (SELECT device_id, silent_alarm_id FROM device_supervision WHERE device_id = ANY($1::varchar[])
                ORDER BY device_id FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}) before, registry_devices device
        WHERE watch.device_id = before.device_id AND device.device_id = watch.device_id AND device.state = 'active'
       RETURNING watch.device_id, before.silent_alarm_id AS previous`,
      [[...new Set(deviceIds)].sort(), at, graceSeconds],
    );
    return new Map(rows.filter((row) => row.previous !== null).map((row) => [row.device_id, row.previous as string]));
  }

  /** The registry said the device is active (start watching it from now, which reports count hours from) or not (stop). */
  async registered(
    manager: EntityManager,
    deviceId: string,
    active: boolean,
    intervalSeconds: number,
    at: Date,
    graceSeconds: number,
  ): Promise<void> {
    if (!active) {
      await manager.query(`DELETE FROM device_supervision WHERE device_id = $1`, [deviceId]);
      return;
    }
    await manager.query(
      `INSERT INTO device_supervision (device_id, last_heard_at, silent_after, watched_since)
       VALUES ($1, $2::timestamptz, $2::timestamptz + make_interval(secs => $3::integer + $4::integer), $2::timestamptz)
       ON CONFLICT (device_id) DO NOTHING`,
      [deviceId, at, intervalSeconds, graceSeconds],
    );
  }

  /** Devices silent past their deadline and not yet alarmed, locked; rows another instance holds are skipped. */
  async lockNewlySilent(manager: EntityManager, now: Date, limit: number): Promise<SilentDevice[]> {
    const rows: { device_id: string; last_heard_at: Date }[] = await manager.query(
      `SELECT device_id, last_heard_at FROM device_supervision
        WHERE silent_alarm_id IS NULL AND silent_after <= $1
        ORDER BY silent_after LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.map((row) => ({ deviceId: row.device_id, lastHeardAt: row.last_heard_at }));
  }

  async countSupervised(manager: EntityManager): Promise<number> {
    const rows: { count: string }[] = await manager.query(`SELECT count(*) FROM device_supervision`);
    return Number(rows[0].count);
  }

  async linkAlarm(manager: EntityManager, deviceIds: string[], alarmId: string): Promise<void> {
    await manager.query(`UPDATE device_supervision SET silent_alarm_id = $2 WHERE device_id = ANY($1::varchar[])`, [
      deviceIds,
      alarmId,
    ]);
  }
}
