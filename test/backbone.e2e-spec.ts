import { KafkaTopics } from '@welfare/contracts';
import { eventually } from './support/eventually';
import { KafkaTap } from './support/kafka-tap';
import { onboardFleet } from './support/device-fleet';
import { RunningService, startIngestor, startRegistry, startResponseCentre } from './support/running-services';
import { contractEvent, SimulatedDevice } from './support/simulated-device';
import { createTestDatabase } from './support/test-database';
import { testInfra, uniqueName } from './support/test-infra';
import { operatorToken } from './support/tokens';

interface AlarmJson {
  id: string;
  deviceId: string;
  state: string;
  priority: number;
  triggerType: string;
  triggerEventId: string;
  acknowledgedBy: string | null;
  log: { step: string; actorKind: string; actorId: string; details: Record<string, unknown> }[];
}

/**
 * The whole backbone over real connections: a device publishes over MQTT, the ingestor puts the
 * event on Kafka, the response centre stores the alarm in PostgreSQL, operators handle it over
 * HTTP, and commands travel back to the device over Kafka and MQTT.
 */
describe('backbone: device -> MQTT -> ingestor -> Kafka -> response centre -> PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let registryDatabase: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let centre: RunningService;
  let ingestor: RunningService;
  let device: SimulatedDevice;
  let deadLetters: KafkaTap;
  /** The centre serving the device's municipality: its operators handle the device's alarms. */
  let centreId: string;

  beforeAll(async () => {
    [database, registryDatabase] = await Promise.all([createTestDatabase('e2e'), createTestDatabase('e2e-registry')]);
    registry = await startRegistry(registryDatabase.url);
    // Onboarded at the registry first: the ingestor's view and the broker both know the device.
    const fleet = await onboardFleet(registry.url, [uniqueName('dev')]);
    const [onboarded] = fleet.devices;
    centreId = fleet.centreId;
    [centre, ingestor] = await Promise.all([startResponseCentre(database.url), startIngestor()]);
    device = await SimulatedDevice.connect(testInfra().mqttUrl, onboarded.deviceId, onboarded.secret);
    deadLetters = await KafkaTap.open(KafkaTopics.deviceEventsDeadLetter);
  });

  afterAll(async () => {
    await Promise.allSettled([device?.close(), deadLetters?.close()]);
    await Promise.allSettled([ingestor?.close(), centre?.close(), registry?.close()]);
    await Promise.allSettled([database?.drop(), registryDatabase?.drop()]);
  });

  /** Calls the response centre as an operator of the device's centre (`operator`: their subject). */
  const api = async (path: string, init: RequestInit & { operator?: string } = {}) =>
    fetch(`${centre.url}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await operatorToken(centreId, init.operator)}`,
      },
    });

  async function alarmsOf(deviceId: string): Promise<AlarmJson[]> {
    const response = await api('/api/alarms?limit=500');
    expect(response.status).toBe(200);
    return ((await response.json()) as AlarmJson[]).filter((alarm) => alarm.deviceId === deviceId);
  }

  async function historyOf(deviceId: string): Promise<{ eventId: string; alarmId: string | null }[]> {
    const response = await api(`/api/devices/${deviceId}/events`);
    expect(response.status).toBe(200);
    return (await response.json()) as { eventId: string; alarmId: string | null }[];
  }

  it('turns a fall into an alarm that one operator takes and resolves, logging every step in order', async () => {
    await device.publish(contractEvent('fall.detected', 'fall-1', { confidence: 0.97 }));

    const [alarm] = await eventually(async () => {
      const alarms = await alarmsOf(device.deviceId);
      expect(alarms).toHaveLength(1);
      return alarms;
    });
    expect(alarm).toMatchObject({ state: 'open', priority: 1, triggerType: 'fall.detected', triggerEventId: 'fall-1' });

    // Matched by alarm id: with test files running side by side, another file's response centre (its
    // own consumer group on the shared topics) also answers this unknown-to-it device's press.
    const received = await device.waitForCommand(
      (command) => command.type === 'alarm.received' && command.alarmId === alarm.id,
    );
    expect(received).toEqual({ type: 'alarm.received', ref: 'fall-1', alarmId: alarm.id });

    const first = await api(`/api/alarms/${alarm.id}/acknowledge`, { method: 'POST', operator: 'op-anna' });
    expect(first.status).toBe(200);
    const second = await api(`/api/alarms/${alarm.id}/acknowledge`, { method: 'POST', operator: 'op-bjorn' });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: 'alarm_already_acknowledged', acknowledgedBy: 'op-anna' });

    await device.waitForCommand((command) => command.type === 'alarm.acknowledged' && command.alarmId === alarm.id);

    const note = await api(`/api/alarms/${alarm.id}/notes`, {
      method: 'POST',
      operator: 'op-anna',
      body: JSON.stringify({ text: 'Resident answers, hip pain' }),
    });
    expect(note.status).toBe(201);
    const resolved = await api(`/api/alarms/${alarm.id}/resolve`, {
      method: 'POST',
      operator: 'op-anna',
      body: JSON.stringify({ outcome: 'home_care_visit', note: 'Home care helped her up' }),
    });
    expect(resolved.status).toBe(200);

    const detail = (await (await api(`/api/alarms/${alarm.id}`)).json()) as AlarmJson & { outcome: string };
    expect(detail).toMatchObject({ state: 'resolved', outcome: 'home_care_visit', acknowledgedBy: 'op-anna' });
    expect(detail.log.map((entry) => [entry.step, entry.actorKind, entry.actorId])).toEqual([
      ['received', 'device', device.deviceId],
      ['acknowledged', 'operator', 'op-anna'],
      ['note', 'operator', 'op-anna'],
      ['resolved', 'operator', 'op-anna'],
    ]);
    expect(detail.log[2].details).toEqual({ text: 'Resident answers, hip pain' });
    expect(await alarmsOf(device.deviceId)).toEqual([]);
  });

  it('creates nothing new when the device resends the same event, and tells the device again', async () => {
    const before = device.commands.filter((command) => command.type === 'alarm.received').length;
    await device.publish(contractEvent('fall.detected', 'fall-1', { confidence: 0.97 }));

    await eventually(() =>
      expect(device.commands.filter((command) => command.type === 'alarm.received').length).toBe(before + 1),
    );
    const history = await historyOf(device.deviceId);
    expect(history.filter((event) => event.eventId === 'fall-1')).toHaveLength(1);
    const detail = (await (await api(`/api/alarms/${history[0].alarmId}`)).json()) as AlarmJson;
    expect(detail.log.filter((entry) => entry.step === 'received')).toHaveLength(1);
  });

  it('dead-letters a malformed message with its reason, and a valid alarm right after it still arrives', async () => {
    await device.publishRaw('{"id":"broken-1","type":"alarm.button"');
    await device.publish(contractEvent('alarm.button', 'button-after-garbage'));

    const deadLetter = await deadLetters.waitFor((record) => record.key === device.deviceId);
    expect(deadLetter.value).toMatchObject({
      source: 'ingestor',
      reason: 'invalid_json',
      deviceId: device.deviceId,
      origin: { kind: 'mqtt', topic: `devices/${device.deviceId}/events` },
      payload: { encoding: 'utf8', data: '{"id":"broken-1","type":"alarm.button"' },
    });
    expect(deadLetter.headers.reason).toBe('invalid_json');

    const alarm = await eventually(async () => {
      const found = (await alarmsOf(device.deviceId)).find(
        (candidate) => candidate.triggerEventId === 'button-after-garbage',
      );
      expect(found).toBeDefined();
      return found!;
    });
    expect(alarm).toMatchObject({ priority: 1, triggerType: 'alarm.button', state: 'open' });
  });

  it('keeps non-alarm events on the device history without opening alarms', async () => {
    await device.publish(contractEvent('heartbeat', 'hb-1', { battery: 77 }));
    await device.publish(contractEvent('gps.position', 'pos-1', { lat: 59.91, lon: 10.75 }));
    await eventually(async () => {
      const ids = (await historyOf(device.deviceId)).map((event) => event.eventId);
      expect(ids).toEqual(expect.arrayContaining(['hb-1', 'pos-1']));
    });
    const alarms = await alarmsOf(device.deviceId);
    expect(alarms.map((alarm) => alarm.triggerEventId)).toEqual(['button-after-garbage']);
  });
});
