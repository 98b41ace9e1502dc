import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DEVICE_EVENT_TOPICS } from '@welfare/contracts';
import { repoRoot, RunningKafka, startKafka } from '@welfare/infra';
import { onboard } from '../support/device-fleet';
import { eventually } from '../support/eventually';
import { KafkaTap } from '../support/kafka-tap';
import { RegistryApi } from '../support/registry-api';
import { RunningService, startRegistry } from '../support/running-services';
import { freePort, sendAsUnit } from '../support/scaip/sipp-unit';
import { createTestDatabase } from '../support/test-database';
import { uniqueName } from '../support/test-infra';
import { authEnv, operatorToken } from '../support/tokens';
import { ServiceProcess } from './support/service-process';

const GATEWAY_SECRET = 'gateway-secret-for-fault-tests-1';
/** Units per scenario, pressing at once: the fault catches some of their messages in flight. */
const UNITS_PER_SCENARIO = 3;

interface Unit {
  cid: string;
  deviceId: string;
  secret: string;
}

/**
 * The SCAIP gateway's promise under faults, with SIPp playing the units: the receipt (`<mrs>`
 * with `snu` 0) goes back only once Kafka has the event, so a unit that hears none sends again,
 * and the resend opens no second alarm. Two faults:
 * - the gateway SIGKILLed between Kafka's ack and the receipt (its crash point
 *   `scaip.after-kafka-ack`, since that window is too narrow to hit from outside);
 * - Kafka killed while units press: they get `503`, no receipt, and send again once it is back.
 * Each ends by counting, in the operator's queue and the response centre's database, one alarm
 * per unit that pressed (0 lost, 0 duplicated) with one `received` step on its handling log.
 *
 * Gateway and response centre run as built (dist/) in processes of their own, on this file's own
 * Kafka so that it can be killed without disturbing other test files.
 */
describe('SCAIP units under faults: no alarm lost, none duplicated after the units resend', () => {
  let scratch: string;
  let kafka: RunningKafka;
  let centreDatabase: { url: string; drop(): Promise<void> };
  let registryDatabase: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let responseCentre: ServiceProcess;
  let gateway: ServiceProcess;
  let centreSql: Pool;
  let centreId: string;
  let sipPort: number;
  let events: KafkaTap;
  const units: Unit[] = [];

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot(), stdio: 'inherit' });
    scratch = await mkdtemp(join(tmpdir(), 'welfare-scaip-faults-'));
    // Service logs stay after the run, for whoever has to find out why a fault test failed.
    const logDir = join(repoRoot(), 'test-results', 'scaip-faults');
    await rm(logDir, { recursive: true, force: true });
    await mkdir(logDir, { recursive: true });
    kafka = await startKafka({ dataDir: join(scratch, 'kafka') });
    [centreDatabase, registryDatabase] = await Promise.all([
      createTestDatabase('scaip-faults'),
      createTestDatabase('scaip-faults-registry'),
    ]);
    registry = await startRegistry(registryDatabase.url, {
      KAFKA_BROKERS: kafka.brokers,
      SCAIP_GATEWAY_SECRET: GATEWAY_SECRET,
    });
    const api = new RegistryApi(registry.url);
    const setup = await api.setup();
    centreId = setup.centreId;
    const base = String(Date.now()).slice(-9);
    for (let i = 0; i < 2 * UNITS_PER_SCENARIO; i++) {
      const cid = `${base}${i}`;
      const deviceId = uniqueName('scaip-fault');
      await api.expect(201, 'POST', '/api/devices', {
        id: deviceId,
        serialNumber: `SN-${deviceId}`,
        kind: 'safety_alarm',
        scaipControllerId: cid,
        heartbeatIntervalSeconds: 600,
      });
      // A resident each: care alarms correlate per resident.
      const resident = await api.expect(201, 'POST', '/api/residents', {
        name: `Resident ${i}`,
        address: 'Storgata 1',
        municipalityId: setup.municipalityId,
      });
      units.push({ cid, deviceId, secret: (await onboard(api, deviceId, resident.id)).secret });
    }
    const common = { KAFKA_BROKERS: kafka.brokers, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '10000' };
    responseCentre = new ServiceProcess(
      'response-centre',
      'response-centre',
      {
        ...common,
        DATABASE_URL: centreDatabase.url,
        DATABASE_RUN_MIGRATIONS: 'true',
        DATABASE_POOL_SIZE: '5',
        KAFKA_CONSUMER_GROUP: 'scaip-fault-response-centre',
        ...authEnv(),
      },
      logDir,
    );
    sipPort = await freePort();
    gateway = new ServiceProcess(
      'scaip-gateway',
      'scaip-gateway',
      {
        ...common,
        SIP_HOST: '127.0.0.1',
        SIP_PORT: String(sipPort),
        REGISTRY_URL: registry.url,
        SCAIP_GATEWAY_SECRET: GATEWAY_SECRET,
        SCAIP_KAFKA_TIMEOUT_MS: '2000',
      },
      logDir,
    );
    await Promise.all([responseCentre.start(), gateway.start()]);
    centreSql = new Pool({ connectionString: centreDatabase.url, max: 2 });
    events = await KafkaTap.open(DEVICE_EVENT_TOPICS, kafka.brokers);
    // Alarms are stamped with the resident (and correlate by them) from the centre's view of the registry.
    await eventually(
      async () => {
        const { rows } = await centreSql.query(
          `SELECT count(*)::int AS n FROM registry_devices WHERE device_id = ANY($1) AND resident_id IS NOT NULL`,
          [units.map((unit) => unit.deviceId)],
        );
        expect(rows[0].n).toBe(units.length);
      },
      60_000,
      250,
    );
  }, 300_000);

  afterAll(async () => {
    await centreSql?.end();
    await events?.close().catch(() => undefined);
    await Promise.allSettled([gateway?.stop(), responseCentre?.stop()]);
    await registry?.close();
    await Promise.allSettled([centreDatabase?.drop(), registryDatabase?.drop()]);
    await kafka?.stop().catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** A button press as one vendor's units send it (Essence shape); `ref` is the unit's own. */
  const press = (unit: Unit, ref: string) =>
    `<mrq><ref>${ref}</ref><cha>0</cha><mty>ME</mty><cid>${unit.cid}</cid><dty>02</dty><did>00</did><crd>gsm:+4791234567</crd><stc>010</stc></mrq>`;

  /** The unit sends, digest-signed, and is told `expect` (a receipt's snu, or a SIP failure status). */
  const send = (unit: Unit, body: string, expect: { snu: number } | { status: number }) =>
    sendAsUnit(sipPort, {
      user: unit.cid,
      auth: { user: unit.cid, password: unit.secret },
      body,
      ...('snu' in expect ? { expectSnu: expect.snu } : { expectSnu: null, expectStatus: expect.status }),
    });

  /** As a unit does until it hears a receipt: sends the same message again (a pause between) until `snu` 0 comes back. */
  async function resendUntilReceipt(unit: Unit, body: string, timeoutMs = 90_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const result = await send(unit, body, { snu: 0 });
      if (result.code === 0) return attempt;
      if (Date.now() > until) throw new Error(`${unit.deviceId}: no receipt after ${attempt} sends\n${result.output}`);
      await sleep(1000);
    }
  }

  const onKafka = (unit: Unit) =>
    events.records.filter((record) => record.key === unit.deviceId && record.headers.type === 'alarm.button');

  /** Each unit's press: one alarm in the operator's queue and in the database, one `received` step on it. */
  async function expectOneAlarmEach(pressed: Unit[]): Promise<void> {
    const token = await operatorToken(centreId);
    await eventually(
      async () => {
        const response = await fetch(`${responseCentre.url}/api/alarms?limit=500`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(200);
        const queue = (await response.json()) as { deviceId: string; triggerType: string }[];
        for (const unit of pressed)
          expect({
            unit: unit.deviceId,
            alarms: queue.filter((alarm) => alarm.deviceId === unit.deviceId).map((alarm) => alarm.triggerType),
          }).toEqual({ unit: unit.deviceId, alarms: ['alarm.button'] });
      },
      60_000,
      250,
    );
    const { rows } = await centreSql.query<{ device_id: string; alarms: number; received: number }>(
      `SELECT a.device_id, count(DISTINCT a.id)::int AS alarms,
              count(l.*) FILTER (WHERE l.step = 'received')::int AS received
         FROM alarms a LEFT JOIN alarm_handling_log l ON l.alarm_id = a.id
        WHERE a.device_id = ANY($1) GROUP BY a.device_id ORDER BY a.device_id`,
      [pressed.map((unit) => unit.deviceId)],
    );
    expect(rows).toEqual(
      pressed
        .map((unit) => ({ device_id: unit.deviceId, alarms: 1, received: 1 }))
        .sort((a, b) => a.device_id.localeCompare(b.device_id)),
    );
  }

  it('opens one alarm per press when the gateway dies after Kafka has the event and before the receipt', async () => {
    const pressed = units.slice(0, UNITS_PER_SCENARIO);
    const bodies = pressed.map((unit, i) => press(unit, `0000C0${i}1`));
    await gateway.stop();
    await gateway.start({ CRASH_POINT: 'scaip.after-kafka-ack:1' });
    const first = await Promise.all(pressed.map((unit, i) => send(unit, bodies[i], { snu: 0 })));
    await gateway.waitForExit();
    expect(gateway.lastExit).toEqual({ code: null, signal: 'SIGKILL' });
    // The window was hit: a press is on Kafka whose unit heard no receipt.
    const unreceipted = pressed.filter((_, i) => first[i].code !== 0);
    await eventually(() => expect(unreceipted.filter((unit) => onKafka(unit).length > 0).length).toBeGreaterThan(0));

    await gateway.start();
    const attempts = [];
    for (const unit of unreceipted) attempts.push(await resendUntilReceipt(unit, bodies[pressed.indexOf(unit)]));
    process.stdout.write(
      `[scaip-fault] after-kafka-ack: ${unreceipted.length}/${pressed.length} units heard no receipt and resent ` +
        `(sends until receipt: ${attempts.join(', ')}); records on Kafka per unit: ${pressed.map((unit) => onKafka(unit).length).join(', ')}\n`,
    );
    await expectOneAlarmEach(pressed);
  }, 300_000);

  it('opens one alarm per press when Kafka is away while units press, and they resend once it is back', async () => {
    const pressed = units.slice(UNITS_PER_SCENARIO);
    const bodies = pressed.map((unit, i) => press(unit, `0000D0${i}1`));
    await kafka.kill('SIGKILL');
    try {
      // No success while Kafka is away: 503 after the gateway's Kafka timeout, no receipt.
      const refused = await Promise.all(pressed.map((unit, i) => send(unit, bodies[i], { status: 503 })));
      expect(refused.map((result) => (result.code === 0 ? 'refused 503' : result.output))).toEqual(
        pressed.map(() => 'refused 503'),
      );
    } finally {
      kafka = await startKafka({ dataDir: kafka.dataDir, port: kafka.port, controllerPort: kafka.controllerPort });
    }
    // The tap's consumer gave up on the dead broker: a new one reads the lanes from the beginning.
    await events.close().catch(() => undefined);
    events = await KafkaTap.open(DEVICE_EVENT_TOPICS, kafka.brokers);
    const attempts = await Promise.all(pressed.map((unit, i) => resendUntilReceipt(unit, bodies[i])));
    for (const unit of pressed) await events.waitFor((record) => onKafka(unit).includes(record), 60_000);
    process.stdout.write(
      `[scaip-fault] kafka-away: sends until receipt after Kafka came back: ${attempts.join(', ')}; ` +
        `records on Kafka per unit: ${pressed.map((unit) => onKafka(unit).length).join(', ')}\n`,
    );
    await expectOneAlarmEach(pressed);
    expect(gateway.running).toBe(true);
    await eventually(async () => expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(200), 30_000);
  }, 300_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
