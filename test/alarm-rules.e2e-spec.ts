import pg from 'pg';
import { KafkaTopics } from '@welfare/contracts';
import type { ResidentAlarmRules } from '@welfare/contracts';
import { EscalationService } from '../apps/response-centre/src/escalation/escalation.service';
import { DoorRulesService } from '../apps/response-centre/src/resident-rules/door-rules.service';
import { SupervisionService } from '../apps/response-centre/src/supervision/supervision.service';
import { onboard, onboardFleet, registerInStock } from './support/device-fleet';
import { eventually } from './support/eventually';
import { KafkaTap } from './support/kafka-tap';
import { RegistryApi } from './support/registry-api';
import { RunningService, startIngestor, startRegistry, startResponseCentre } from './support/running-services';
import { contractEvent, SimulatedDevice } from './support/simulated-device';
import { createTestDatabase } from './support/test-database';
import { testInfra, uniqueName } from './support/test-infra';
import { municipalityAdminToken, operatorToken } from './support/tokens';

interface LogStep {
  step: string;
  actorKind: string;
  details: Record<string, unknown>;
}

interface AlarmJson {
  id: string;
  deviceId: string;
  state: string;
  priority: number;
  kind: string;
  triggerType: string;
  repeatCount: number;
  escalationLevel: number;
  outcome?: string | null;
  cancelledAtDeviceAt: string | null;
  lastPosition: { lat: number; lon: number; accuracyMeters: number | null; ageSeconds: number; at: string } | null;
  log: LogStep[];
  trail: { lat: number; lon: number }[];
  resident: { name: string; address: string; contacts: unknown[]; alarmRules: Record<string, unknown> } | null;
  recentEvents: { type: string }[];
}

const HOME = { lat: 59.7439, lon: 10.2045 };
const SAFE_ZONES: ResidentAlarmRules['safeZones'] = [
  { kind: 'circle', name: 'home', center: HOME, radiusMeters: 300 },
  {
    kind: 'polygon',
    name: 'day centre',
    points: [
      { lat: 59.75, lon: 10.21 },
      { lat: 59.75, lon: 10.22 },
      { lat: 59.755, lon: 10.22 },
      { lat: 59.755, lon: 10.21 },
    ],
  },
];

/**
 * Every alarm rule driven end to end through the real stack: a device publishes over MQTT to the
 * project's Mosquitto, the ingestor puts the event on Kafka, the response centre applies the
 * resident's rules (set by the municipality through the registry API, carried by Kafka) and
 * stores the alarm in PostgreSQL; the operator reads it over HTTP. Where a rule depends on the
 * clock, the test sets the device's event time or calls the sweep with a time of its choosing.
 */
describe('alarm rules end to end (MQTT -> ingestor -> Kafka -> response centre, rules from the registry)', () => {
  let database: { url: string; drop(): Promise<void> };
  let registryDatabase: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let centre: RunningService;
  let ingestor: RunningService;
  let centreDb: pg.Client;
  let alarmEvents: KafkaTap;
  let admin: RegistryApi;
  let municipalityId: string;
  let centreId: string;
  const devices: SimulatedDevice[] = [];

  beforeAll(async () => {
    [database, registryDatabase] = await Promise.all([
      createTestDatabase('rules-e2e'),
      createTestDatabase('rules-e2e-registry'),
    ]);
    registry = await startRegistry(registryDatabase.url);
    const fleet = await onboardFleet(registry.url, []);
    municipalityId = fleet.municipalityId;
    centreId = fleet.centreId;
    admin = fleet.api.as(await municipalityAdminToken(municipalityId));
    [centre, ingestor] = await Promise.all([startResponseCentre(database.url), startIngestor()]);
    centreDb = new pg.Client({ connectionString: database.url });
    await centreDb.connect();
    alarmEvents = await KafkaTap.open(KafkaTopics.alarmEvents);
  });

  afterAll(async () => {
    await Promise.allSettled([...devices.map((device) => device.close()), alarmEvents?.close(), centreDb?.end()]);
    await Promise.allSettled([ingestor?.close(), centre?.close(), registry?.close()]);
    await Promise.allSettled([database?.drop(), registryDatabase?.drop()]);
  });

  /** A resident of the municipality with their own rules (if any) and one onboarded device, connected over MQTT. */
  async function residentWith(
    kind: string,
    rules?: ResidentAlarmRules,
    heartbeatIntervalSeconds?: number,
  ): Promise<{ residentId: string; device: SimulatedDevice }> {
    const resident = await admin.expect(201, 'POST', '/api/residents', {
      name: uniqueName('resident'),
      address: 'Bragernes torg 1, 3017 Drammen',
      municipalityId,
      contacts: [{ name: 'Ola', phone: '+47 912 34 567', relation: 'son' }],
    });
    if (rules) await admin.expect(200, 'PUT', `/api/residents/${resident.id}/alarm-rules`, rules);
    const deviceId = await registerInStock(admin, uniqueName(kind), kind, municipalityId);
    if (heartbeatIntervalSeconds)
      await admin.expect(200, 'PATCH', `/api/devices/${deviceId}`, { heartbeatIntervalSeconds });
    const { secret } = await onboard(admin, deviceId, resident.id);
    const device = await SimulatedDevice.connect(testInfra().mqttUrl, deviceId, secret);
    devices.push(device);
    if (rules) await rulesReachedCentre(resident.id, rules);
    return { residentId: resident.id, device };
  }

  /** The centre reads rules from its view of registry.residents.v1: wait until the registry's change has arrived. */
  async function rulesReachedCentre(residentId: string, rules: ResidentAlarmRules): Promise<void> {
    await eventually(async () => {
      const { rows } = await centreDb.query<{ alarm_rules: unknown }>(
        `SELECT alarm_rules FROM registry_residents WHERE resident_id = $1`,
        [residentId],
      );
      expect(rows[0]?.alarm_rules).toEqual(rules);
    });
  }

  async function operator(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${centre.url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await operatorToken(centreId)}` },
    });
  }

  async function unresolvedOf(deviceId: string): Promise<AlarmJson[]> {
    const response = await operator('/api/alarms?limit=500');
    expect(response.status).toBe(200);
    return ((await response.json()) as AlarmJson[]).filter((alarm) => alarm.deviceId === deviceId);
  }

  async function detail(alarmId: string): Promise<AlarmJson> {
    const response = await operator(`/api/alarms/${alarmId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as AlarmJson;
  }

  /** The device's history as the centre stored it: proves an event arrived even when it opened nothing. */
  async function storedEvent(deviceId: string, eventId: string): Promise<{ eventId: string; alarmId: string | null }> {
    return eventually(async () => {
      const response = await operator(`/api/devices/${deviceId}/events`);
      expect(response.status).toBe(200);
      const event = ((await response.json()) as { eventId: string; alarmId: string | null }[]).find(
        (row) => row.eventId === eventId,
      );
      expect(event).toBeDefined();
      return event as { eventId: string; alarmId: string | null };
    });
  }

  async function oneAlarm(deviceId: string, check: (alarm: AlarmJson) => void = () => undefined): Promise<AlarmJson> {
    return eventually(async () => {
      const alarms = await unresolvedOf(deviceId);
      expect(alarms).toHaveLength(1);
      check(alarms[0]);
      return alarms[0];
    });
  }

  describe('door sensors', () => {
    it("door.opened inside the resident's night window (local time, across midnight) opens a priority-2 alarm; outside it is only logged; door.closed is logged on it", async () => {
      const { device } = await residentWith('door_sensor', { doorNightWindow: { start: '23:00', end: '06:00' } });
      // 12:00 UTC on 20 November is 13:00 in Oslo: outside the window.
      await device.publish(contractEvent('door.opened', 'day-open', { time: '2026-11-20T12:00:00Z', door: 'front' }));
      expect((await storedEvent(device.deviceId, 'day-open')).alarmId).toBeNull();
      // 22:30 UTC is 23:30 in Oslo (CET): inside.
      await device.publish(contractEvent('door.opened', 'night-open', { time: '2026-11-20T22:30:00Z', door: 'front' }));
      const alarm = await oneAlarm(device.deviceId);
      expect(alarm).toMatchObject({ triggerType: 'door.opened', priority: 2, kind: 'care', state: 'open' });
      expect(
        await device.waitForCommand(
          // By alarm id too: another test file's response centre, running side by side on the shared
          // topics, also answers a press of a device it does not know.
          (command) =>
            command.type === 'alarm.received' && command.ref === 'night-open' && command.alarmId === alarm.id,
        ),
      ).toMatchObject({ alarmId: alarm.id });

      await device.publish(
        contractEvent('door.closed', 'night-close', { time: '2026-11-20T22:32:00Z', door: 'front' }),
      );
      await eventually(async () =>
        expect((await detail(alarm.id)).log.map((entry) => entry.step)).toEqual(['received', 'door_closed']),
      );
      expect((await detail(alarm.id)).state).toBe('open'); // the operator closes it
    });

    it('follows daylight saving: 21:30 UTC is outside a 23:00 window in winter and inside it in summer', async () => {
      const { device } = await residentWith('door_sensor', { doorNightWindow: { start: '23:00', end: '06:00' } });
      await device.publish(contractEvent('door.opened', 'winter', { time: '2026-03-28T21:30:00Z' })); // 22:30 CET
      expect((await storedEvent(device.deviceId, 'winter')).alarmId).toBeNull();
      await device.publish(contractEvent('door.opened', 'summer', { time: '2026-03-29T21:30:00Z' })); // 23:30 CEST
      const alarm = await oneAlarm(device.deviceId);
      expect(alarm.triggerType).toBe('door.opened');
      expect((await storedEvent(device.deviceId, 'summer')).alarmId).toBe(alarm.id);
    });

    it("takes the municipality's default window, and a change of the resident's rules applies from the next event without a restart", async () => {
      const defaults = { doorNightWindow: { start: '22:00', end: '07:00' } };
      await admin.expect(200, 'PUT', `/api/municipalities/${municipalityId}/alarm-rule-defaults`, defaults);
      const { residentId, device } = await residentWith('door_sensor');
      await eventually(async () => {
        const { rows } = await centreDb.query(
          `SELECT alarm_rule_defaults FROM registry_municipalities WHERE municipality_id = $1`,
          [municipalityId],
        );
        expect(rows[0]?.alarm_rule_defaults).toEqual(defaults);
      });
      // 21:30 UTC in November is 22:30 in Oslo: inside the default 22:00-07:00.
      await device.publish(contractEvent('door.opened', 'default-window', { time: '2026-11-20T21:30:00Z' }));
      const alarm = await oneAlarm(device.deviceId);
      expect((await detail(alarm.id)).resident?.alarmRules).toMatchObject({
        doorNightWindow: defaults.doorNightWindow,
      });

      // The resident's own rule switches the night window off.
      const own = { doorNightWindow: null };
      await admin.expect(200, 'PUT', `/api/residents/${residentId}/alarm-rules`, own);
      await rulesReachedCentre(residentId, own);
      await device.publish(contractEvent('door.opened', 'window-off', { time: '2026-11-20T21:45:00Z' }));
      expect((await storedEvent(device.deviceId, 'window-off')).alarmId).toBeNull();
      expect((await detail(alarm.id)).repeatCount).toBe(0);
      await admin.expect(200, 'PUT', `/api/municipalities/${municipalityId}/alarm-rule-defaults`, {});
    });

    it('a door left open past its limit opens a "door left open" alarm; one closed in time opens none', async () => {
      const { device } = await residentWith('door_sensor', { doorOpenLimitMinutes: 5 });
      const doors = centre.app.get(DoorRulesService);
      const openedAt = new Date();

      await device.publish(contractEvent('door.opened', 'brief-open', { time: openedAt.toISOString(), door: 'back' }));
      await device.publish(
        contractEvent('door.closed', 'brief-close', {
          time: new Date(openedAt.getTime() + 60_000).toISOString(),
          door: 'back',
        }),
      );
      await storedEvent(device.deviceId, 'brief-close');
      await doors.raiseDue(new Date(openedAt.getTime() + 10 * 60_000));
      expect(await unresolvedOf(device.deviceId)).toEqual([]);

      await device.publish(contractEvent('door.opened', 'left-open', { time: openedAt.toISOString(), door: 'front' }));
      await storedEvent(device.deviceId, 'left-open');
      expect(await doors.raiseDue(new Date(openedAt.getTime() + 4 * 60_000))).toBe(0); // not yet
      expect(await doors.raiseDue(new Date(openedAt.getTime() + 5 * 60_000 + 1000))).toBe(1);
      const alarm = await oneAlarm(device.deviceId);
      expect(alarm).toMatchObject({ triggerType: 'door.left_open', priority: 2, kind: 'care' });
      expect(await doors.raiseDue(new Date(openedAt.getTime() + 60 * 60_000))).toBe(0); // fired once

      await device.publish(contractEvent('door.closed', 'finally-closed', { door: 'front' }));
      await eventually(async () =>
        expect((await detail(alarm.id)).log.map((entry) => entry.step)).toEqual(['received', 'door_closed']),
      );
    });
  });

  describe('GPS trackers', () => {
    it('leaving every safe zone opens a priority-2 alarm with the position; further positions outside add to the trail only; coming back is logged; the alarm shows the last position and its age', async () => {
      const { device } = await residentWith('gps_tracker', { safeZones: SAFE_ZONES });
      await device.publish(contractEvent('gps.position', 'at-home', { ...HOME, accuracy: 8 }));
      expect((await storedEvent(device.deviceId, 'at-home')).alarmId).toBeNull();
      await device.publish(contractEvent('gps.position', 'day-centre', { lat: 59.752, lon: 10.215, accuracy: 10 })); // inside the polygon
      expect((await storedEvent(device.deviceId, 'day-centre')).alarmId).toBeNull();

      await device.publish(contractEvent('gps.position', 'wandered', { lat: 59.76, lon: 10.25, accuracy: 15 }));
      const alarm = await oneAlarm(device.deviceId);
      expect(alarm).toMatchObject({ triggerType: 'gps.left_safe_zone', priority: 2, kind: 'care' });
      expect(alarm.lastPosition).toMatchObject({ lat: 59.76, lon: 10.25, accuracyMeters: 15 });
      expect(alarm.lastPosition?.ageSeconds).toBeGreaterThanOrEqual(0);
      const received = (await detail(alarm.id)).log[0];
      expect(received).toMatchObject({
        step: 'received',
        details: { lat: 59.76, lon: 10.25, zones: ['home', 'day centre'] },
      });

      await device.publish(contractEvent('gps.position', 'further', { lat: 59.77, lon: 10.26 }));
      await oneAlarm(device.deviceId, (current) =>
        expect(current.lastPosition).toMatchObject({ lat: 59.77, lon: 10.26, accuracyMeters: null }),
      );
      await device.publish(contractEvent('gps.position', 'back-home', { lat: HOME.lat + 0.001, lon: HOME.lon }));
      const back = await eventually(async () => {
        const current = await detail(alarm.id);
        expect(current.log.map((entry) => entry.step)).toEqual(['received', 'returned_to_safe_zone']);
        return current;
      });
      expect(back.repeatCount).toBe(0);
      expect(back.log[1].details).toMatchObject({ zones: ['home'] });
      expect(back.trail.map((position) => position.lat)).toEqual([HOME.lat + 0.001, 59.77, 59.76, 59.752, HOME.lat]);
      expect(back.state).toBe('open');
    });

    it('a resident without safe zones gets no GPS alarm, but the trail is kept', async () => {
      const { device } = await residentWith('gps_tracker');
      await device.publish(contractEvent('gps.position', 'anywhere', { lat: 60.5, lon: 11.5 }));
      expect((await storedEvent(device.deviceId, 'anywhere')).alarmId).toBeNull();
      const { rows } = await centreDb.query(`SELECT lat, inside_safe_zone FROM device_positions WHERE device_id = $1`, [
        device.deviceId,
      ]);
      expect(rows).toEqual([{ lat: 60.5, inside_safe_zone: null }]);
    });
  });

  describe('safety alarms and technical events', () => {
    it('repeats attach to the open alarm; a cancellation at the device marks it; each press is acknowledged to the device', async () => {
      const { device } = await residentWith('safety_alarm');
      for (const id of ['press-1', 'press-2', 'press-3']) await device.publish(contractEvent('alarm.button', id));
      const alarm = await oneAlarm(device.deviceId, (current) => expect(current.repeatCount).toBe(2));
      expect(alarm).toMatchObject({ triggerType: 'alarm.button', priority: 1 });
      for (const ref of ['press-1', 'press-2', 'press-3']) {
        expect(
          await device.waitForCommand(
            (command) => command.type === 'alarm.received' && command.ref === ref && command.alarmId === alarm.id,
          ),
        ).toMatchObject({ alarmId: alarm.id });
      }

      await device.publish(contractEvent('alarm.cancelled', 'cancel-1', { ref: 'press-1' }));
      await oneAlarm(device.deviceId, (current) => expect(current.cancelledAtDeviceAt).not.toBeNull());
      expect((await detail(alarm.id)).log.map((entry) => entry.step)).toEqual([
        'received',
        'repeated',
        'repeated',
        'cancelled_at_device',
      ]);
    });

    it('battery.low and power.lost open technical alarms; power.restored closes the power alarm', async () => {
      const { device } = await residentWith('safety_alarm');
      await device.publish(contractEvent('battery.low', 'battery', { battery: 9 }));
      await device.publish(contractEvent('power.lost', 'power-off'));
      const alarms = await eventually(async () => {
        const current = await unresolvedOf(device.deviceId);
        expect(current.map((alarm) => alarm.triggerType).sort()).toEqual(['battery.low', 'power.lost']);
        return current;
      });
      expect(alarms.every((alarm) => alarm.priority === 3 && alarm.kind === 'technical')).toBe(true);
      const power = alarms.find((alarm) => alarm.triggerType === 'power.lost') as AlarmJson;

      await device.publish(contractEvent('power.restored', 'power-on'));
      await oneAlarm(device.deviceId, (current) => expect(current.triggerType).toBe('battery.low'));
      expect(await detail(power.id)).toMatchObject({ state: 'resolved', outcome: 'cleared_by_device' });
    });

    it('an alarm left unacknowledged past its limit escalates and supervisors hear of it on alarm-events.v1', async () => {
      const { device } = await residentWith('fall_detector');
      await device.publish(contractEvent('fall.detected', 'fall', { confidence: 0.9 }));
      const alarm = await oneAlarm(device.deviceId);
      await centre.app.get(EscalationService).escalateDue(new Date(Date.now() + 61_000));
      await oneAlarm(device.deviceId, (current) => expect(current.escalationLevel).toBe(1));
      const record = await alarmEvents.waitFor((message) => message.key === alarm.id);
      expect(record.value).toMatchObject({ type: 'alarm.escalated', alarmId: alarm.id, escalationLevel: 1 });
    });

    it('a device silent past its heartbeat interval and grace opens "device silent", which closes when it is heard again', async () => {
      const { device } = await residentWith('safety_alarm', undefined, 30);
      await device.publish(contractEvent('heartbeat', 'beat-1', { battery: 80 }));
      await storedEvent(device.deviceId, 'beat-1');
      // Only this device has a 30 s interval; the others (one hour) are not due, so no fleet alarm.
      await centre.app.get(SupervisionService).raiseSilent(new Date(Date.now() + (30 + 120 + 5) * 1000));
      const silent = await oneAlarm(device.deviceId, (current) => expect(current.triggerType).toBe('device.silent'));
      expect(silent).toMatchObject({ priority: 3, kind: 'technical' });

      await device.publish(contractEvent('heartbeat', 'beat-2', { battery: 79 }));
      await eventually(async () =>
        expect(await detail(silent.id)).toMatchObject({ state: 'resolved', outcome: 'cleared_by_device' }),
      );
    });
  });
});
