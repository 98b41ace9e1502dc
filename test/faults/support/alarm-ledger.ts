import { Client } from 'pg';
import { eventually } from '../../support/eventually';
import type { SentAlarm } from './alarm-fleet';

export interface AlarmCount {
  sent: number;
  stored: number;
  lost: string[];
  /** Alarms beyond one per device and kind (a resend or redelivery that opened a second alarm instead of being a repeat). */
  duplicateAlarms: number;
  /** 'received' or 'repeated' handling-log steps beyond one per alarm event. */
  duplicateLogSteps: number;
  /** Alarms of this run that no device raised. */
  unexpected: number;
  /** Longest time from a device raising an alarm to the alarm being stored, in seconds. */
  worstDelaySeconds: number;
  /** The alarm that took longest, and how long its device took to get the broker's PUBACK. */
  slowest: { eventId: string; deviceId: string; secondsToPuback: number } | null;
  /** From `restoredAt` until every alarm raised before it was stored, in seconds. */
  recoverySeconds: number;
}

interface StoredAlarm {
  device_id: string;
  trigger_event_id: string;
  opened_at: Date;
  received_steps: string;
}

/**
 * Counts, in the response centre's database, what became of the alarms a fleet raised. A new
 * connection for each count: fault tests cut the database's connections.
 */
export class AlarmLedger {
  /** Alarms opened beyond one per device and kind at the last count (none is resolved during a fault test). */
  private extraAlarms = 0;

  constructor(private readonly databaseUrl: string) {}

  /** Waits until every alarm of `run` is stored (or the time is up), then counts. */
  async waitForAll(run: string, sent: SentAlarm[], restoredAt: number, timeoutMs = 90_000): Promise<AlarmCount> {
    try {
      await eventually(
        async () => {
          const count = await this.count(run, sent, restoredAt);
          if (count.lost.length > 0) throw new Error(`${count.lost.length} of ${sent.length} alarms not stored yet`);
        },
        timeoutMs,
        250,
      );
    } catch {
      // Counted below: the assertion on `lost` names them.
    }
    return this.count(run, sent, restoredAt);
  }

  private async count(run: string, sent: SentAlarm[], restoredAt: number): Promise<AlarmCount> {
    const rows = await this.storedAlarms(run);
    const key = (deviceId: string, eventId: string) => `${deviceId}/${eventId}`;
    const byKey = new Map<string, StoredAlarm[]>();
    for (const row of rows)
      byKey.set(key(row.device_id, row.trigger_event_id), [
        ...(byKey.get(key(row.device_id, row.trigger_event_id)) ?? []),
        row,
      ]);
    const found = sent.map((alarm) => ({ alarm, rows: byKey.get(key(alarm.deviceId, alarm.eventId)) ?? [] }));
    const stored = found.filter((entry) => entry.rows.length > 0);
    const openedAt = (entry: (typeof found)[number]) => entry.rows[0].opened_at.getTime();
    const backlog = stored.filter((entry) => entry.alarm.raisedAt <= restoredAt);
    const delay = (entry: (typeof found)[number]) => openedAt(entry) - entry.alarm.raisedAt;
    const slowest = stored.reduce<(typeof found)[number] | null>(
      (worst, entry) => (!worst || delay(entry) > delay(worst) ? entry : worst),
      null,
    );
    return {
      sent: sent.length,
      stored: stored.length,
      lost: found
        .filter((entry) => entry.rows.length === 0)
        .map((entry) => key(entry.alarm.deviceId, entry.alarm.eventId)),
      duplicateAlarms: stored.reduce((extra, entry) => extra + entry.rows.length - 1, 0) + this.extraAlarms,
      duplicateLogSteps: rows.reduce((extra, row) => extra + Math.max(0, Number(row.received_steps) - 1), 0),
      unexpected: rows.length - stored.reduce((n, entry) => n + entry.rows.length, 0),
      worstDelaySeconds: slowest ? Math.max(0, delay(slowest)) / 1000 : 0,
      slowest: slowest && {
        eventId: slowest.alarm.eventId,
        deviceId: slowest.alarm.deviceId,
        secondsToPuback: ((slowest.alarm.ackedAt ?? Number.NaN) - slowest.alarm.raisedAt) / 1000,
      },
      recoverySeconds: Math.max(0, ...backlog.map((entry) => openedAt(entry) - restoredAt)) / 1000,
    };
  }

  /**
   * Every alarm event of the run that reached an alarm, new or attached as a repeat (a device's
   * presses while its alarm is unresolved are repeats of it), with how many handling steps name
   * it; and one extra row count per alarm opened beyond one per device and kind.
   */
  private async storedAlarms(run: string): Promise<StoredAlarm[]> {
    const db = new Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<StoredAlarm>(
        `SELECT e.device_id, e.event_id AS trigger_event_id, e.stored_at AS opened_at,
                (SELECT count(*) FROM alarm_handling_log l
                  WHERE l.alarm_id = e.alarm_id AND l.step IN ('received', 'repeated') AND l.details->>'eventId' = e.event_id) AS received_steps
           FROM device_events e
          WHERE e.event_id LIKE $1 AND e.alarm_id IS NOT NULL`,
        [`${run}-%`],
      );
      const { rows: extra } = await db.query<{ extra: string }>(
        `SELECT count(*) - count(DISTINCT (device_id, trigger_type)) AS extra FROM alarms WHERE trigger_event_id LIKE $1`,
        [`${run}-%`],
      );
      this.extraAlarms = Number(extra[0].extra);
      return rows;
    } finally {
      await db.end();
    }
  }
}
