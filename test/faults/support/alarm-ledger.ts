import { Client } from 'pg';
import { eventually } from '../../support/eventually';
import type { SentAlarm, SentTelemetry } from './alarm-fleet';

export interface AlarmCount {
  /** Presses the devices made in the run. */
  sent: number;
  /** Presses stored and linked to an alarm (opened by it, or attached to it as a repeat). */
  stored: number;
  lost: string[];
  /** Alarms the run's presses opened. */
  opened: number;
  /**
   * Alarms the run should open: one per correlation key its presses name (resident and type, as
   * production correlates care alarms), since nothing was unresolved when the run began and
   * nothing is resolved during it.
   */
  expectedOpened: number;
  /** Alarms beyond one per correlation key in the run (an episode: all alarms were resolved before it). */
  duplicateAlarms: number;
  /** Alarms whose correlation key is not the resident's key for the trigger type. */
  wrongKey: string[];
  /** Presses attached to an alarm the run did not open (one left unresolved from before). */
  attachedToOlder: number;
  /** Handling-log `received` / `repeated` steps beyond one per stored press, and alarms with other than one `received` step. */
  duplicateLogSteps: number;
  /** Stored presses no handling-log step names, and alarms with no `received` step naming their trigger. */
  missingLogSteps: number;
  /** Alarms whose repeat count differs from the `repeated` steps on them. */
  repeatCountMismatch: number;
  /** Events of this run in the database that no device sent. */
  unexpected: number;
  /** Each stored press's alarm, by `${deviceId}/${eventId}`. */
  alarmOf: Map<string, string>;
  /** Which presses opened an alarm, by `${deviceId}/${eventId}`. */
  openers: Set<string>;
  /** Longest time from a device raising an alarm to it being stored, in seconds. */
  worstDelaySeconds: number;
  /** The press that took longest, and how long its device took to get the broker's PUBACK. */
  slowest: { eventId: string; deviceId: string; secondsToPuback: number } | null;
  /** From `restoredAt` until every press raised before it was stored, in seconds. */
  recoverySeconds: number;
}

interface StoredEvent {
  device_id: string;
  event_id: string;
  alarm_id: string | null;
  stored_at: Date;
}

interface StoredAlarm {
  id: string;
  device_id: string;
  trigger_event_id: string;
  trigger_type: string;
  correlation_key: string;
  repeat_count: number;
}

interface LogStep {
  alarm_id: string;
  step: 'received' | 'repeated';
  event_id: string | null;
}

export const pressKey = (alarm: { deviceId: string; eventId: string }) => `${alarm.deviceId}/${alarm.eventId}`;

/**
 * Counts, in the response centre's database, what became of the alarms a fleet raised: every
 * press stored, the alarms they opened against production's correlation (care alarms: one
 * unresolved alarm per resident and type), and the handling log of each alarm. A new
 * connection for each count: fault tests cut the database's connections.
 */
export class AlarmLedger {
  constructor(
    private readonly databaseUrl: string,
    /** Each device's resident, as onboarded. */
    private readonly residentOf: Map<string, string>,
  ) {}

  /** The correlation key production gives a care alarm of this device and type. */
  expectedKey(deviceId: string, type: string): string {
    return `resident:${this.residentOf.get(deviceId)}:${type}`;
  }

  /** Waits until every press of `run` is stored and the alarms and log add up (or the time is up), then counts. */
  async waitForAll(run: string, sent: SentAlarm[], restoredAt: number, timeoutMs = 90_000): Promise<AlarmCount> {
    try {
      await eventually(
        async () => {
          const count = await this.count(run, sent, restoredAt);
          if (count.lost.length > 0) throw new Error(`${count.lost.length} of ${sent.length} presses not stored yet`);
        },
        timeoutMs,
        250,
      );
    } catch {
      // Counted below: the assertion on `lost` names them.
    }
    return this.count(run, sent, restoredAt);
  }

  /** Telemetry events of `run` not (yet) in the database; waits for all, at most `timeoutMs`. */
  async waitForTelemetry(run: string, sent: SentTelemetry[], timeoutMs = 120_000): Promise<string[]> {
    const missing = async () => {
      const rows = await this.query<{ device_id: string; event_id: string }>(
        `SELECT device_id, event_id FROM device_events WHERE event_id LIKE $1`,
        [`${run}-t%`],
      );
      const stored = new Set(rows.map((row) => `${row.device_id}/${row.event_id}`));
      return sent.filter((event) => !stored.has(pressKey(event))).map(pressKey);
    };
    try {
      await eventually(
        async () => {
          const left = await missing();
          if (left.length > 0) throw new Error(`${left.length} of ${sent.length} telemetry events not stored yet`);
        },
        timeoutMs,
        500,
      );
    } catch {
      // Returned below.
    }
    return missing();
  }

  /** Devices the response centre's registry view has as active and onboarded to their resident. */
  async devicesKnown(): Promise<number> {
    const rows = await this.query<{ device_id: string; resident_id: string | null }>(
      `SELECT device_id, resident_id FROM registry_devices WHERE state = 'active'`,
    );
    return rows.filter((row) => row.resident_id !== null && this.residentOf.get(row.device_id) === row.resident_id)
      .length;
  }

  /** Alarms not resolved yet, of any run. */
  async unresolved(): Promise<number> {
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM alarms WHERE state <> 'resolved'`);
    return Number(rows[0].n);
  }

  async count(run: string, sent: SentAlarm[], restoredAt: number): Promise<AlarmCount> {
    const { events, alarms, steps } = await this.read(run);
    const byPress = new Map(
      events.map((event) => [pressKey({ deviceId: event.device_id, eventId: event.event_id }), event]),
    );
    const found = sent.map((alarm) => ({ alarm, event: byPress.get(pressKey(alarm)) }));
    const stored = found.filter((entry) => entry.event?.alarm_id);
    const sentKeys = new Set(sent.map(pressKey));

    const opened = alarms.filter((alarm) =>
      sentKeys.has(pressKey({ deviceId: alarm.device_id, eventId: alarm.trigger_event_id })),
    );
    const openedIds = new Set(opened.map((alarm) => alarm.id));
    const expectedKeys = new Set(sent.map((alarm) => this.expectedKey(alarm.deviceId, alarm.type)));
    const perKey = new Map<string, number>();
    for (const alarm of opened) perKey.set(alarm.correlation_key, (perKey.get(alarm.correlation_key) ?? 0) + 1);

    // Handling log: one `received` step per alarm, naming its trigger; each press named by exactly one step on its alarm.
    const stepsOf = new Map<string, LogStep[]>();
    for (const step of steps) stepsOf.set(step.alarm_id, [...(stepsOf.get(step.alarm_id) ?? []), step]);
    let duplicateLogSteps = 0;
    let missingLogSteps = 0;
    let repeatCountMismatch = 0;
    for (const alarm of opened) {
      const own = stepsOf.get(alarm.id) ?? [];
      const received = own.filter((step) => step.step === 'received');
      duplicateLogSteps += Math.max(0, received.length - 1);
      if (!received.some((step) => step.event_id === alarm.trigger_event_id)) missingLogSteps++;
      if (own.filter((step) => step.step === 'repeated').length !== Number(alarm.repeat_count)) repeatCountMismatch++;
    }
    for (const { event } of stored) {
      const naming = (stepsOf.get(event!.alarm_id!) ?? []).filter((step) => step.event_id === event!.event_id).length;
      if (naming === 0) missingLogSteps++;
      duplicateLogSteps += Math.max(0, naming - 1);
    }

    const storedAt = (entry: (typeof found)[number]) => entry.event!.stored_at.getTime();
    const delay = (entry: (typeof found)[number]) => storedAt(entry) - entry.alarm.raisedAt;
    const slowest = stored.reduce<(typeof found)[number] | null>(
      (worst, entry) => (!worst || delay(entry) > delay(worst) ? entry : worst),
      null,
    );
    const backlog = stored.filter((entry) => entry.alarm.raisedAt <= restoredAt);
    return {
      sent: sent.length,
      stored: stored.length,
      lost: found.filter((entry) => !entry.event?.alarm_id).map((entry) => pressKey(entry.alarm)),
      opened: opened.length,
      expectedOpened: expectedKeys.size,
      duplicateAlarms: [...perKey.values()].reduce((extra, n) => extra + n - 1, 0),
      wrongKey: opened
        .filter(
          (alarm) =>
            alarm.correlation_key !== this.expectedKey(alarm.device_id, alarm.trigger_type) ||
            !expectedKeys.has(alarm.correlation_key),
        )
        .map((alarm) => `${alarm.trigger_event_id}: ${alarm.correlation_key}`),
      attachedToOlder: stored.filter((entry) => !openedIds.has(entry.event!.alarm_id!)).length,
      duplicateLogSteps,
      missingLogSteps,
      repeatCountMismatch,
      unexpected: events.filter(
        (event) => !sentKeys.has(pressKey({ deviceId: event.device_id, eventId: event.event_id })),
      ).length,
      alarmOf: new Map(stored.map((entry) => [pressKey(entry.alarm), entry.event!.alarm_id!])),
      openers: new Set(opened.map((alarm) => pressKey({ deviceId: alarm.device_id, eventId: alarm.trigger_event_id }))),
      worstDelaySeconds: slowest ? Math.max(0, delay(slowest)) / 1000 : 0,
      slowest: slowest && {
        eventId: slowest.alarm.eventId,
        deviceId: slowest.alarm.deviceId,
        secondsToPuback: ((slowest.alarm.ackedAt ?? Number.NaN) - slowest.alarm.raisedAt) / 1000,
      },
      recoverySeconds: Math.max(0, ...backlog.map((entry) => storedAt(entry) - restoredAt)) / 1000,
    };
  }

  /**
   * The run's press events (not its telemetry, `${run}-t...`), every alarm they opened or were
   * attached to, and those alarms' `received` and `repeated` handling-log steps.
   */
  private async read(run: string): Promise<{ events: StoredEvent[]; alarms: StoredAlarm[]; steps: LogStep[] }> {
    const db = new Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      const { rows: events } = await db.query<StoredEvent>(
        `SELECT device_id, event_id, alarm_id, stored_at FROM device_events
          WHERE event_id LIKE $1 AND event_id NOT LIKE $2`,
        [`${run}-%`, `${run}-t%`],
      );
      const linked = [...new Set(events.map((event) => event.alarm_id).filter((id): id is string => id !== null))];
      const { rows: alarms } = await db.query<StoredAlarm>(
        `SELECT id, device_id, trigger_event_id, trigger_type, correlation_key, repeat_count FROM alarms
          WHERE id = ANY($1::uuid[]) OR (trigger_event_id LIKE $2 AND trigger_event_id NOT LIKE $3)`,
        [linked, `${run}-%`, `${run}-t%`],
      );
      const { rows: steps } = await db.query<LogStep>(
        `SELECT alarm_id, step, details->>'eventId' AS event_id FROM alarm_handling_log
          WHERE alarm_id = ANY($1::uuid[]) AND step IN ('received', 'repeated')`,
        [alarms.map((alarm) => alarm.id)],
      );
      return { events, alarms, steps };
    } finally {
      await db.end();
    }
  }

  private async query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    const db = new Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      return (await db.query<T & Record<string, unknown>>(sql, params)).rows;
    } finally {
      await db.end();
    }
  }
}
