/**
 * The first half of the alarm path, read back from the database after a phase: scheduled
 * device send -> the alarm event's row stored (`device_events.stored_at`, stamped by the
 * response centre inside the transaction that opens the alarm or attaches the event to the
 * device's unresolved one, on this machine's clock). This is the alarm EVENT's stored time,
 * not `alarms.opened_at` (a repeat attaches to an alarm opened earlier). The rest of the
 * end-to-end time is the push back to the device (outbox -> Kafka -> ingestor -> MQTT).
 */
import { Client } from 'pg';
import { LatencyHistogram, LatencySummary } from './latency-histogram';
import { BENCH_APPLICATION_NAME } from './stored-events';

export interface AlarmStoredLatency {
  latency: LatencySummary;
  /** Alarm events not stored (not in the database when read), so not in `latency`. */
  notStored: number;
  /** Each stored alarm event's stored_at (wall-clock ms), by event id: where the way back starts. */
  storedAt: Map<string, number>;
}

export async function alarmStoredLatency(
  databaseUrl: string,
  sentAt: Map<string, number>,
): Promise<AlarmStoredLatency> {
  const histogram = new LatencyHistogram();
  const client = new Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 5000,
    application_name: BENCH_APPLICATION_NAME,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ event_id: string; stored_at: Date }>(
      'SELECT event_id, stored_at FROM device_events WHERE alarm_id IS NOT NULL AND event_id = ANY($1::text[])',
      [[...sentAt.keys()]],
    );
    const storedAt = new Map(rows.map((row) => [row.event_id, row.stored_at.getTime()] as const));
    for (const [eventId, at] of storedAt) histogram.record(at - sentAt.get(eventId)!);
    return { latency: histogram.summary(), notStored: sentAt.size - rows.length, storedAt };
  } finally {
    await client.end().catch(() => undefined);
  }
}
