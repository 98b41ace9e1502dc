import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord } from '@welfare/contracts';
import type { CentreScope } from '../access/centre-scope';
import { DeviceEventRow } from './device-event.entity';

/** The device-event history, which is also the de-duplication gate. */
@Injectable()
export class DeviceEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores the event unless (deviceId, eventId) is already stored. Returns the new row's id,
   * or null for a resend or redelivery. Concurrent inserts of one event wait on each other,
   * so exactly one caller gets an id.
   */
  async insertIfNew(manager: EntityManager, record: DeviceEventRecord, storedAt: Date): Promise<string | null> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO device_events (device_id, event_id, type, occurred_at, received_at, stored_at, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7::json)
       ON CONFLICT ON CONSTRAINT device_events_device_event_unique DO NOTHING
       RETURNING id`,
      [
        record.deviceId,
        record.event.id,
        record.event.type,
        deviceTimeInstant(record.event.time),
        record.receivedAt,
        storedAt,
        JSON.stringify(record.event),
      ],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Stores a batch's events in one statement, skipping any (deviceId, eventId) already stored
   * (or earlier in the batch). Returns the new rows' ids by `eventKey`; a record whose key is
   * missing is a resend or redelivery.
   */
  async insertManyIfNew(
    manager: EntityManager,
    records: DeviceEventRecord[],
    storedAt: Date,
  ): Promise<Map<string, string>> {
    if (records.length === 0) return new Map();
    const rows: { id: string; device_id: string; event_id: string }[] = await manager.query(
      `INSERT INTO device_events (device_id, event_id, type, occurred_at, received_at, stored_at, payload)
       SELECT e.device_id, e.event_id, e.type, e.occurred_at, e.received_at, $6::timestamptz, e.payload::json
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::timestamptz[], $7::text[])
              WITH ORDINALITY AS e(device_id, event_id, type, occurred_at, received_at, payload, n)
        ORDER BY e.n
       ON CONFLICT ON CONSTRAINT device_events_device_event_unique DO NOTHING
       RETURNING id, device_id, event_id`,
      [
        records.map((record) => record.deviceId),
        records.map((record) => record.event.id),
        records.map((record) => record.event.type),
        records.map((record) => deviceTimeInstant(record.event.time)),
        records.map((record) => record.receivedAt),
        storedAt,
        records.map((record) => JSON.stringify(record.event)),
      ],
    );
    return new Map(rows.map((row) => [eventKey(row.device_id, row.event_id), row.id]));
  }

  /** The alarm each of these stored events opened or joined, by `eventKey` (events with none are left out). */
  async alarmsOf(manager: EntityManager, keys: { deviceId: string; eventId: string }[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows: { device_id: string; event_id: string; alarm_id: string }[] = await manager.query(
      `SELECT d.device_id, d.event_id, d.alarm_id FROM device_events d
         JOIN unnest($1::varchar[], $2::varchar[]) AS k(device_id, event_id)
           ON d.device_id = k.device_id AND d.event_id = k.event_id
        WHERE d.alarm_id IS NOT NULL`,
      [keys.map((key) => key.deviceId), keys.map((key) => key.eventId)],
    );
    return new Map(rows.map((row) => [eventKey(row.device_id, row.event_id), row.alarm_id]));
  }

  /** Links history rows to their alarms, a batch's in one statement. */
  async linkAlarms(manager: EntityManager, links: { rowId: string; alarmId: string }[]): Promise<void> {
    if (links.length === 0) return;
    await manager.query(
      `UPDATE device_events d SET alarm_id = l.alarm_id
         FROM unnest($1::bigint[], $2::uuid[]) AS l(id, alarm_id)
        WHERE d.id = l.id`,
      [links.map((link) => link.rowId), links.map((link) => link.alarmId)],
    );
  }

  async findOne(
    deviceId: string,
    eventId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<DeviceEventRow | null> {
    return manager.findOneBy(DeviceEventRow, { deviceId, eventId });
  }

  /** The device's newest events, newest first (for an alarm already in the caller's scope). */
  newest(deviceId: string, limit: number): Promise<DeviceEventRow[]> {
    return this.dataSource.manager.find(DeviceEventRow, { where: { deviceId }, order: { id: 'DESC' }, take: limit });
  }

  /**
   * The newest events of a device first, with the resident they concern; null when the registry
   * places the device in another centre (the caller sees "not found", as for a device never heard of).
   */
  async history(
    scope: CentreScope,
    deviceId: string,
    limit: number,
  ): Promise<{ residentId: string | null; events: DeviceEventRow[] } | null> {
    const placed: { resident_id: string | null; response_centre_id: string | null }[] = await this.dataSource.query(
      `SELECT resident_id, response_centre_id FROM registry_devices WHERE device_id = $1`,
      [deviceId],
    );
    const centre = placed[0]?.response_centre_id ?? null;
    if (centre !== null && centre !== scope.responseCentreId) return null;
    const events = await this.newest(deviceId, limit);
    return { residentId: placed[0]?.resident_id ?? null, events };
  }
}

/** One device event's identity, as a map key. */
export function eventKey(deviceId: string, eventId: string): string {
  return `${deviceId}\u0000${eventId}`;
}
