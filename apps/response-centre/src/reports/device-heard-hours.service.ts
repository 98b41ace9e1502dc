import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { COMMIT_HORIZON_SQL } from '@welfare/persistence';
import { PeriodicSweep } from '@welfare/platform';
import { DataSource, EntityManager } from 'typeorm';

/** Device history rows read per transaction: a backlog (the first fold after the upgrade) goes in bounded pieces. */
const EVENTS_PER_TRANSACTION = 50_000;

/**
 * Keeps device_heard_hours (which hours each device was heard in, by the ingestor's receipt
 * time) current from device_events, off the alarm path: the intake writes its history as always,
 * and this reads it later by id, one set-based insert per piece.
 *
 * Ids come from a sequence when a row is written, not when it commits, so a row with a lower id
 * may commit after a higher one was read. The position therefore keeps what it read last as
 * pending, and reads it again until every transaction running at that time has ended (the
 * commit horizon passed the newest transaction id of then); re-reading is harmless (an hour once
 * heard stays heard). (A transaction that took its id and had not yet been given a transaction id
 * when the position was read, a window of microseconds, is not covered by this.)
 */
@Injectable()
export class DeviceHeardHoursService {
  private readonly logger = new Logger(DeviceHeardHoursService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'device heard hours');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Interval('device-heard-hours', 30_000)
  sweep(): Promise<number> {
    return this.periodicSweep.run(() => this.catchUp());
  }

  /** Folds the device history written so far; returns how many rows it read. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (let piece = 0; piece < 100; piece++) {
      const { read, more } = await this.dataSource.transaction((manager) => this.foldPiece(manager));
      total += read;
      if (!more) break;
    }
    return total;
  }

  private async foldPiece(manager: EntityManager): Promise<{ read: number; more: boolean }> {
    // An UPDATE's answer through TypeORM is [rows, count].
    const [[position]]: [{ safe_id: string; promoted: boolean }[], number] = await manager.query(
      `UPDATE device_heard_position SET
         safe_id = CASE WHEN pending_xmax <= ${COMMIT_HORIZON_SQL} THEN pending_id ELSE safe_id END,
         pending_xmax = CASE WHEN pending_xmax <= ${COMMIT_HORIZON_SQL} THEN NULL ELSE pending_xmax END
        WHERE id = 1
       RETURNING safe_id::text, pending_xmax IS NULL AS promoted`,
    );
    const [{ upto }]: { upto: string | null }[] = await manager.query(
      `SELECT max(id)::text AS upto FROM (SELECT id FROM device_events WHERE id > $1 ORDER BY id LIMIT $2) piece`,
      [position.safe_id, EVENTS_PER_TRANSACTION],
    );
    if (upto === null) return { read: 0, more: false };
    await manager.query(
      `INSERT INTO device_heard_hours (device_id, hour)
       SELECT DISTINCT device_id, date_trunc('hour', received_at, 'UTC') FROM device_events WHERE id > $1 AND id <= $2
       ON CONFLICT DO NOTHING`,
      [position.safe_id, upto],
    );
    await manager.query(
      `UPDATE device_heard_position SET pending_id = $1, pending_xmax = pg_snapshot_xmax(pg_current_snapshot()) WHERE id = 1`,
      [upto],
    );
    // On while each piece became final at once (the usual case: the intake's transactions are short).
    return { read: Number(upto) - Number(position.safe_id), more: position.promoted };
  }
}
