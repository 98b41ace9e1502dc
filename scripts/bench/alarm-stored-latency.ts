/**
 * The first half of the alarm path, read back from the database after a phase: device publish
 * -> alarm event stored on its alarm (a new alarm, or a repeat attached to the device's
 * unresolved one), from `device_events.stored_at` (stamped by the response centre inside the
 * storing transaction, on this machine's clock). The rest of the end-to-end time is the push
 * back to the device (outbox -> Kafka -> ingestor -> MQTT).
 */
import { Client } from 'pg';
import { LatencyHistogram, LatencySummary } from './latency-histogram';

export async function alarmStoredLatency(databaseUrl: string, sentAt: Map<string, number>): Promise<LatencySummary> {
  const histogram = new LatencyHistogram();
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ event_id: string; stored_at: Date }>(
      'SELECT event_id, stored_at FROM device_events WHERE alarm_id IS NOT NULL AND event_id = ANY($1::text[])',
      [[...sentAt.keys()]],
    );
    for (const row of rows) histogram.record(row.stored_at.getTime() - sentAt.get(row.event_id)!);
  } finally {
    await client.end().catch(() => undefined);
  }
  return histogram.summary();
}
