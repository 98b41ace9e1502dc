import { Pool } from 'pg';
import { onboard } from './support/device-fleet';
import { SupervisionService } from '../apps/response-centre/src/supervision/supervision.service';
import { eventually } from './support/eventually';
import { RegistryApi } from './support/registry-api';
import { RunningService, startRegistry, startResponseCentre, startScaipGateway } from './support/running-services';
import { freePort, sendAsUnit, UnitMessage } from './support/scaip/sipp-unit';
import { createTestDatabase } from './support/test-database';
import { uniqueName } from './support/test-infra';
import { operatorToken } from './support/tokens';

const GATEWAY_SECRET = 'gateway-secret-for-e2e-tests-01';

/**
 * Four vendors' unit shapes (from public captures: quirks included), each a body for a button
 * press, a cancel and a heartbeat. `cid` is the unit's controller id.
 */
const VENDORS: {
  name: string;
  transport: 'u1' | 't1';
  press(cid: string): string;
  cancel(cid: string): string;
  heartbeat(cid: string): string;
}[] = [
  {
    name: 'Essence (8-hex refs, zero-padded stc, did 00)',
    transport: 'u1',
    press: (cid) =>
      `<mrq><ref>00001883</ref><cha>0</cha><mty>ME</mty><cid>${cid}</cid><dty>02</dty><did>00</did><crd>gsm:+4791234567</crd><stc>010</stc></mrq>`,
    cancel: (cid) =>
      `<mrq><ref>00001884</ref><cha>0</cha><mty>RE</mty><cid>${cid}</cid><dty>02</dty><did>00</did></mrq>`,
    heartbeat: (cid) =>
      `<mrq><ref>00001A85</ref><cha>0</cha><mty>PI</mty><cid>${cid}</cid><dty>02</dty><did>00</did><crd>no-voice:</crd><stc>102</stc></mrq>`,
  },
  {
    name: 'Possum (no mty, unpadded numbers, four-tag heartbeats), over TCP',
    transport: 't1',
    press: (cid) => `<mrq><ref>1193308443</ref><cid>${cid}</cid><dty>3</dty><stc>10</stc><crd>gsm:</crd></mrq>`,
    cancel: (cid) => `<mrq><ref>1193308444</ref><cid>${cid}</cid><dty>3</dty><stc>19</stc></mrq>`,
    heartbeat: (cid) => `<mrq><mty>PI</mty><ref>1998218577</ref><cid>${cid}</cid><dty>2</dty></mrq>`,
  },
  {
    name: 'TeleAlarm (16-character refs)',
    transport: 'u1',
    press: (cid) =>
      `<mrq><ref>yhexGeV5E49zglfi</ref><cid>${cid}</cid><dty>0004</dty><mty>ME</mty><stc>0010</stc><lco>002</lco><crd>gsm:</crd><cha>0</cha></mrq>`,
    cancel: (cid) =>
      `<mrq><ref>lmepivnFqmI8Jvv1</ref><cid>${cid}</cid><dty>0004</dty><mty>ME</mty><stc>0019</stc><cha>0</cha></mrq>`,
    heartbeat: (cid) =>
      `<mrq><ref>v6l7eiuzBTfybE7j</ref><cid>${cid}</cid><dty>0002</dty><mty>PI</mty><stc>0009</stc><lco>002</lco><crd>gsm:</crd><cha>0</cha></mrq>`,
  },
  {
    name: 'Climax (XML declaration, leading space in cid)',
    transport: 'u1',
    press: (cid) =>
      `<?xml version="1.0"?><mrq><ref>00020486</ref><cha>0</cha><mty>ME</mty><cid> ${cid}</cid><dty>02</dty><did>00</did><crd>no-voice:</crd><stc>10</stc></mrq>`,
    cancel: (cid) => `<?xml version="1.0"?><mrq><ref>00020487</ref><mty>RE</mty><cid> ${cid}</cid><dty>02</dty></mrq>`,
    heartbeat: (cid) =>
      `<?xml version="1.0"?><mrq><ref>00020488</ref><mty>PI</mty><cid> ${cid}</cid><dty>02</dty></mrq>`,
  },
];

interface AlarmJson {
  id: string;
  deviceId: string;
  state: string;
  priority: number;
  triggerType: string;
  log?: { step: string }[];
}

/**
 * SCAIP units through the whole backbone: registered and onboarded at the registry, SIPp plays
 * each vendor's unit against the gateway (digest-signed), and the operator sees the result at
 * the response centre. One stack for every vendor.
 */
describe('SCAIP units: SIP -> gateway -> Kafka -> response centre', () => {
  let centreDatabase: { url: string; drop(): Promise<void> };
  let registryDatabase: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let centre: RunningService;
  let gateway: RunningService;
  let centreSql: Pool;
  let sipPort: number;
  let centreId: string;
  let registryApi: RegistryApi;
  let municipalityId: string;
  const units: { cid: string; deviceId: string; secret: string }[] = [];
  let base: string;

  beforeAll(async () => {
    [centreDatabase, registryDatabase] = await Promise.all([
      createTestDatabase('scaip-e2e'),
      createTestDatabase('scaip-e2e-registry'),
    ]);
    registry = await startRegistry(registryDatabase.url, { SCAIP_GATEWAY_SECRET: GATEWAY_SECRET });
    registryApi = new RegistryApi(registry.url);
    const setup = await registryApi.setup();
    centreId = setup.centreId;
    municipalityId = setup.municipalityId;
    base = String(Date.now()).slice(-9);
    for (let i = 0; i < VENDORS.length; i++) units.push(await registerUnit(`${base}${i}`));
    sipPort = await freePort();
    [centre, gateway] = await Promise.all([startResponseCentre(centreDatabase.url), startGateway()]);
    centreSql = new Pool({ connectionString: centreDatabase.url, max: 2 });
  }, 240_000);

  afterAll(async () => {
    await centreSql?.end();
    await Promise.allSettled([gateway?.close(), centre?.close(), registry?.close()]);
    await Promise.allSettled([centreDatabase?.drop(), registryDatabase?.drop()]);
  });

  const startGateway = () => startScaipGateway({ sipPort, registryUrl: registry.url, gatewaySecret: GATEWAY_SECRET });

  /** A SCAIP unit registered and onboarded to a resident of its own (care alarms correlate per resident). */
  async function registerUnit(cid: string, residentId?: string, heartbeatIntervalSeconds = 3600) {
    const deviceId = uniqueName('scaip');
    await registryApi.expect(201, 'POST', '/api/devices', {
      id: deviceId,
      serialNumber: `SN-${deviceId}`,
      kind: 'safety_alarm',
      scaipControllerId: cid,
      heartbeatIntervalSeconds,
    });
    const resident =
      residentId ??
      (
        await registryApi.expect(201, 'POST', '/api/residents', {
          name: `Resident ${cid}`,
          address: 'Storgata 1',
          municipalityId,
        })
      ).id;
    return { cid, deviceId, residentId: resident, secret: (await onboard(registryApi, deviceId, resident)).secret };
  }

  /** The operator's alarms of one device, once there is exactly one. */
  const theAlarmOf = (deviceId: string) =>
    eventually(async () => {
      const alarms = (await asOperator<AlarmJson[]>('/api/alarms?limit=500')).filter(
        (candidate) => candidate.deviceId === deviceId,
      );
      expect(alarms).toHaveLength(1);
      return alarms[0];
    });

  const asOperator = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${centre.url}${path}`, {
      headers: { authorization: `Bearer ${await operatorToken(centreId)}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  const send = async (unit: (typeof units)[number], transport: 'u1' | 't1', body: string) => {
    const message: UnitMessage = {
      user: unit.cid,
      auth: { user: unit.cid, password: unit.secret },
      expectSnu: 0,
      transport,
      body,
    };
    const result = await sendAsUnit(sipPort, message);
    expect(result.code === 0 ? 'receipt snu 0' : result.output).toBe('receipt snu 0');
  };

  it.each(VENDORS.map((vendor, index) => [vendor.name, index] as const))(
    '%s: a button press is an alarm in the queue, its cancel is logged on it, a heartbeat keeps the unit heard',
    async (_name, index) => {
      const vendor = VENDORS[index];
      const unit = units[index];
      await send(unit, vendor.transport, vendor.press(unit.cid));
      const alarm = await eventually(async () => {
        const alarms = (await asOperator<AlarmJson[]>('/api/alarms?limit=500')).filter(
          (candidate) => candidate.deviceId === unit.deviceId,
        );
        expect(alarms).toHaveLength(1);
        return alarms[0];
      });
      expect(alarm).toMatchObject({ state: 'open', priority: 1, triggerType: 'alarm.button' });

      await send(unit, vendor.transport, vendor.cancel(unit.cid));
      await eventually(async () => {
        const detail = await asOperator<AlarmJson>(`/api/alarms/${alarm.id}`);
        expect(detail.log?.map((entry) => entry.step)).toContain('cancelled_at_device');
      });

      const before = new Date();
      await send(unit, vendor.transport, vendor.heartbeat(unit.cid));
      await eventually(async () => {
        const [row] = (
          await centreSql.query('SELECT last_heard_at FROM device_supervision WHERE device_id = $1', [unit.deviceId])
        ).rows as { last_heard_at: Date }[];
        expect(row?.last_heard_at.getTime()).toBeGreaterThanOrEqual(before.getTime());
      });
      const silent = (await asOperator<AlarmJson[]>('/api/alarms?limit=500')).filter(
        (candidate) => candidate.deviceId === unit.deviceId && candidate.triggerType !== 'alarm.button',
      );
      expect(silent).toEqual([]);
    },
  );

  it('logs a cancel on its alarm after the gateway restarted between the press and the cancel', async () => {
    const unit = await registerUnit(`${base}7`);
    await send(unit, 'u1', VENDORS[0].press(unit.cid));
    const alarm = await theAlarmOf(unit.deviceId);
    // A SCAIP cancel does not name its alarm: the gateway's memory of it must outlive the process.
    await gateway.close();
    gateway = await startGateway();
    await send(unit, 'u1', VENDORS[0].cancel(unit.cid));
    await eventually(async () => {
      const detail = await asOperator<AlarmJson>(`/api/alarms/${alarm.id}`);
      expect(detail.log?.map((entry) => entry.step)).toContain('cancelled_at_device');
    });
  });

  it('a unit past its heartbeat interval and grace is "device silent" until its next SCAIP heartbeat', async () => {
    // Only this unit has a 30 s interval; the file's others (one hour) are not due on the jumped clock.
    const unit = await registerUnit(`${base}9`, undefined, 30);
    await send(unit, 'u1', VENDORS[0].heartbeat(unit.cid));
    const heardAt = await eventually(async () => {
      const { rows } = await centreSql.query<{ last_heard_at: Date | null }>(
        'SELECT last_heard_at FROM device_supervision WHERE device_id = $1',
        [unit.deviceId],
      );
      expect(rows[0]?.last_heard_at).toBeInstanceOf(Date);
      return rows[0].last_heard_at as Date;
    });
    const supervision = centre.app.get(SupervisionService);
    const unitsAlarms = async () =>
      (await asOperator<AlarmJson[]>('/api/alarms?limit=500')).filter((alarm) => alarm.deviceId === unit.deviceId);

    // Interval 30 s + grace 120 s after the heartbeat: 5 s before, not silent; 5 s after, silent.
    await supervision.raiseSilent(new Date(heardAt.getTime() + (30 + 120 - 5) * 1000));
    expect(await unitsAlarms()).toEqual([]);
    await supervision.raiseSilent(new Date(heardAt.getTime() + (30 + 120 + 5) * 1000));
    const [silent] = await unitsAlarms();
    expect(silent).toMatchObject({ state: 'open', priority: 3, triggerType: 'device.silent' });

    await send(unit, 'u1', VENDORS[2].heartbeat(unit.cid));
    await eventually(async () =>
      expect(await asOperator<AlarmJson>(`/api/alarms/${silent.id}`)).toMatchObject({
        state: 'resolved',
        outcome: 'cleared_by_device',
      }),
    );
  });

  it("raises a door alarm when a unit's door sensor reports the door opened in the resident's night window", async () => {
    const unit = await registerUnit(`${base}8`);
    const sensorId = uniqueName('scaip-door');
    await registryApi.expect(201, 'POST', '/api/devices', {
      id: sensorId,
      serialNumber: `SN-${sensorId}`,
      kind: 'door_sensor',
      scaipControllerId: unit.cid,
      scaipSubDeviceId: '14',
      heartbeatIntervalSeconds: 3600,
    });
    await onboard(registryApi, sensorId, unit.residentId);
    // The night window (Oslo time) around now: the door event's time is when the gateway heard it.
    const rules = { doorNightWindow: { start: osloClock(-60), end: osloClock(60) } };
    await registryApi.expect(200, 'PUT', `/api/residents/${unit.residentId}/alarm-rules`, rules);
    await eventually(async () => {
      const { rows } = await centreSql.query<{ alarm_rules: unknown }>(
        'SELECT alarm_rules FROM registry_residents WHERE resident_id = $1',
        [unit.residentId],
      );
      expect(rows[0]?.alarm_rules).toEqual(rules);
    });
    await send(
      unit,
      'u1',
      `<mrq><ref>00001990</ref><mty>ME</mty><cid>${unit.cid}</cid><dty>0014</dty><did>14</did><stc>0076</stc><lte>front door</lte></mrq>`,
    );
    const alarm = await theAlarmOf(sensorId);
    expect(alarm).toMatchObject({ state: 'open', priority: 2, triggerType: 'door.opened' });
  });
});

/** "HH:MM" in Oslo, `minutes` from now. */
function osloClock(minutes: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Oslo',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(Date.now() + minutes * 60_000));
}
