import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'pg';
import { DeviceEventRecord, KafkaTopics, RegistryDeviceRecord, RegistryResidentRecord } from '@welfare/contracts';
import { eventually } from '../../../../test/support/eventually';
import { KafkaTap } from '../../../../test/support/kafka-tap';
import { RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';
import { RegistryMemoryView } from '../registry-view/registry-memory-view';
import { TRAIL_LENGTH } from '../resident-rules/positions.repository';
import { DeviceEventIntakeService } from './device-event-intake.service';
import { TrailHousekeeping } from './trail-housekeeping';

const home = { lat: 59.7439, lon: 10.2045 };
const away = { lat: home.lat + 0.01, lon: home.lon };

/**
 * The intake's batch semantics, on a real PostgreSQL: a batch is one transaction, yet within
 * it every event sees what the events before it did (a door alarm opened earlier in the batch
 * takes the door's closing; a position is judged against the one before it in the batch; a
 * resend inside the batch finds the alarm its original opened), and the set-based statements
 * keep the order of the events they store.
 */
describe('response centre: device events in batches', () => {
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let intake: DeviceEventIntakeService;
  let registry: RegistryMemoryView;
  let trails: TrailHousekeeping;
  let db: Pool;
  let commands: KafkaTap;
  let clock = Date.parse('2026-12-05T12:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase('batches');
    centre = await startResponseCentre(database.url);
    intake = centre.app.get(DeviceEventIntakeService);
    registry = centre.app.get(RegistryMemoryView);
    trails = centre.app.get(TrailHousekeeping);
    db = new Pool({ connectionString: database.url, max: 2 });
    commands = await KafkaTap.open(KafkaTopics.deviceCommands);
  });

  afterAll(async () => {
    await commands?.close();
    await db?.end();
    await centre?.close();
    await database?.drop();
  });

  /** A device of a new resident with these rules, known to the intake's view. */
  function residentWithDevice(alarmRules: RegistryResidentRecord['alarmRules']): string {
    const deviceId = uniqueName('batch-dev');
    const residentId = randomUUID();
    const municipalityId = randomUUID();
    registry.applyResident({
      v: 1,
      residentId,
      revision: 1,
      municipalityId,
      homeCareTeamId: null,
      name: 'Ola Nordmann',
      address: 'Storgata 2',
      keyBox: null,
      doorCodeHint: null,
      accessNote: null,
      contacts: [],
      careNote: null,
      alarmRules,
      deleted: false,
      updatedAt: new Date().toISOString(),
    });
    registry.applyDevice({
      v: 1,
      deviceId,
      revision: 1,
      state: 'active',
      kind: 'safety_alarm',
      serialNumber: `SN-${deviceId}`,
      residentId,
      homeCareTeamId: null,
      municipalityId,
      responseCentreId: randomUUID(),
      heartbeatIntervalSeconds: 300,
    } as unknown as RegistryDeviceRecord);
    return deviceId;
  }

  function event(deviceId: string, fields: Record<string, unknown>, time?: string): DeviceEventRecord {
    clock += 1000;
    return {
      v: 1,
      deviceId,
      receivedAt: new Date(clock).toISOString(),
      event: { id: uniqueName('ev'), time: time ?? new Date(clock).toISOString(), ...fields },
    } as DeviceEventRecord;
  }

  async function steps(alarmId: string): Promise<string[]> {
    const { rows } = await db.query(`SELECT step FROM alarm_handling_log WHERE alarm_id = $1 ORDER BY id`, [alarmId]);
    return rows.map((row: { step: string }) => row.step);
  }

  it('a door opened in the night window and closed in the same batch: the closing is logged on the new alarm', async () => {
    const deviceId = residentWithDevice({ doorNightWindow: { start: '23:00', end: '06:00' } });
    const results = await intake.intakeBatch([
      event(deviceId, { type: 'heartbeat' }),
      event(deviceId, { type: 'door.opened' }, '2026-12-05T23:30:00Z'),
      event(deviceId, { type: 'door.closed' }, '2026-12-05T23:31:00Z'),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(['stored', 'alarm_opened', 'logged_on_alarm']);
    const alarmId = (results[1] as { alarmId: string }).alarmId;
    expect((results[2] as { alarmId: string }).alarmId).toBe(alarmId);
    expect(await steps(alarmId)).toEqual(['received', 'door_closed']);
  });

  it('a resend inside the batch is a duplicate of the alarm its original opened, and the device is told again', async () => {
    const deviceId = residentWithDevice({});
    const press = event(deviceId, { type: 'alarm.button' });
    const results = await intake.intakeBatch([press, event(deviceId, { type: 'heartbeat' }), press]);
    expect(results[0].outcome).toBe('alarm_opened');
    const alarmId = (results[0] as { alarmId: string }).alarmId;
    expect(results[2]).toEqual({ outcome: 'duplicate', alarmId });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM device_events WHERE device_id = $1 AND event_id = $2`,
      [deviceId, press.event.id],
    );
    expect(rows[0].n).toBe(1);
    // Counted on Kafka, where the device's commands go: the relay deletes an outbox row once
    // it is sent, so the table may already be empty.
    const told = await eventually(() => {
      const found = commands.records.filter((record) => record.key === deviceId && record.raw.includes(alarmId));
      if (found.length < 2) throw new Error(`${found.length} commands for the alarm so far`);
      return found;
    });
    expect(told.map((record) => record.value.command)).toEqual([
      { type: 'alarm.received', ref: press.event.id, alarmId },
      { type: 'alarm.received', ref: press.event.id, alarmId },
    ]);
    await delay(500);
    expect(commands.records.filter((record) => record.key === deviceId && record.raw.includes(alarmId))).toHaveLength(
      2,
    );
    // And a later batch redelivering it finds the alarm in the history.
    expect(await intake.intakeBatch([press])).toEqual([{ outcome: 'duplicate', alarmId }]);
  });

  it('a press and its cancellation in one batch: the cancellation is logged on the alarm the press opened', async () => {
    const deviceId = residentWithDevice({});
    const press = event(deviceId, { type: 'alarm.button' });
    const cancel = event(deviceId, { type: 'alarm.cancelled', ref: press.event.id });
    const results = await intake.intakeBatch([press, event(deviceId, { type: 'heartbeat' }), cancel], 'alarm');
    expect(results.map((result) => result.outcome)).toEqual(['alarm_opened', 'stored', 'logged_on_alarm']);
    const alarmId = (results[0] as { alarmId: string }).alarmId;
    expect((results[2] as { alarmId: string }).alarmId).toBe(alarmId);
    expect(await steps(alarmId)).toEqual(['received', 'cancelled_at_device']);
    // Both history rows point at the alarm; the heartbeat's at none.
    const { rows } = await db.query(`SELECT event_id, alarm_id FROM device_events WHERE device_id = $1 ORDER BY id`, [
      deviceId,
    ]);
    expect(rows).toEqual([
      { event_id: press.event.id, alarm_id: alarmId },
      { event_id: expect.any(String), alarm_id: null },
      { event_id: cancel.event.id, alarm_id: alarmId },
    ]);
  });

  it('a cancellation naming an event of an earlier batch that opened no alarm is kept on the history only', async () => {
    const deviceId = residentWithDevice({});
    const heartbeat = event(deviceId, { type: 'heartbeat' });
    await intake.intakeBatch([heartbeat]);
    const results = await intake.intakeBatch([event(deviceId, { type: 'alarm.cancelled', ref: heartbeat.event.id })]);
    expect(results).toEqual([{ outcome: 'stored' }]);
  });

  it('positions are judged one after the other within a batch: out (alarm), still out (trail), back (logged)', async () => {
    const deviceId = residentWithDevice({
      safeZones: [{ kind: 'circle', name: 'home', center: home, radiusMeters: 200 }],
    });
    const results = await intake.intakeBatch([
      event(deviceId, { type: 'gps.position', ...home }),
      event(deviceId, { type: 'gps.position', ...away }),
      event(deviceId, { type: 'gps.position', ...away }),
      event(deviceId, { type: 'gps.position', ...home }),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(['stored', 'alarm_opened', 'stored', 'logged_on_alarm']);
    const alarmId = (results[1] as { alarmId: string }).alarmId;
    expect(await steps(alarmId)).toEqual(['received', 'returned_to_safe_zone']);
    const { rows } = await db.query(`SELECT inside_safe_zone FROM device_positions WHERE device_id = $1 ORDER BY id`, [
      deviceId,
    ]);
    expect(rows.map((row: { inside_safe_zone: boolean }) => row.inside_safe_zone)).toEqual([true, false, false, true]);
  });

  it('door watches follow the batch order: opened, closed, opened again leaves the second opening watched', async () => {
    const deviceId = residentWithDevice({ doorOpenLimitMinutes: 10 });
    const first = event(deviceId, { type: 'door.opened' });
    const again = event(deviceId, { type: 'door.opened' });
    await intake.intakeBatch([first, event(deviceId, { type: 'door.closed' }), again]);
    const { rows } = await db.query(`SELECT opened_event_id FROM door_watches WHERE device_id = $1`, [deviceId]);
    expect(rows).toEqual([{ opened_event_id: again.event.id }]);
    await intake.intakeBatch([event(deviceId, { type: 'door.closed' })]);
    const after = await db.query(`SELECT 1 FROM door_watches WHERE device_id = $1`, [deviceId]);
    expect(after.rowCount).toBe(0);
  });

  it("an alarm-lane batch does not wait for a telemetry batch holding the device's supervision row", async () => {
    const deviceId = residentWithDevice({});
    await db.query(
      `INSERT INTO registry_devices (device_id, revision, state, kind, heartbeat_interval_seconds, updated_at)
       VALUES ($1, 1, 'active', 'safety_alarm', 300, now())`,
      [deviceId],
    );
    await db.query(
      `INSERT INTO device_supervision (device_id, last_heard_at, silent_after) VALUES ($1, now(), now() + interval '1 hour')`,
      [deviceId],
    );
    // A telemetry batch in flight: its transaction holds the row (heardMany locks it) until it commits.
    const telemetry = await db.connect();
    await telemetry.query('BEGIN');
    await telemetry.query(`SELECT 1 FROM device_supervision WHERE device_id = $1 FOR UPDATE`, [deviceId]);
    const alarm = intake.intakeBatch([event(deviceId, { type: 'alarm.button' })], 'alarm');
    // Not a speed limit: a lane that waited for the lock would wait until the ROLLBACK below.
    const whileHeld = await Promise.race([alarm, delay(30_000).then(() => 'still waiting for the lock' as const)]);
    await telemetry.query('ROLLBACK');
    telemetry.release();
    await alarm;
    expect(whileHeld).toEqual([expect.objectContaining({ outcome: 'alarm_opened' })]);
    const { rows } = await db.query(`SELECT state FROM alarms WHERE device_id = $1`, [deviceId]);
    expect(rows).toEqual([{ state: 'open' }]);
  });

  it('a trail grows by the batch and housekeeping trims it to its length, keeping the newest', async () => {
    const deviceId = residentWithDevice({});
    const batch = Array.from({ length: TRAIL_LENGTH + 20 }, (_, i) =>
      event(deviceId, { type: 'gps.position', lat: home.lat + i * 0.0001, lon: home.lon }),
    );
    await intake.intakeBatch(batch);
    const count = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM device_positions WHERE device_id = $1`, [deviceId])).rows[0].n;
    expect(await count()).toBe(TRAIL_LENGTH + 20);
    expect(await trails.trim()).toBeGreaterThanOrEqual(20);
    expect(await count()).toBe(TRAIL_LENGTH);
    const { rows } = await db.query(
      `SELECT event_id FROM device_positions WHERE device_id = $1 ORDER BY id DESC LIMIT 1`,
      [deviceId],
    );
    expect(rows[0].event_id).toBe(batch[batch.length - 1].event.id);
  });
});
