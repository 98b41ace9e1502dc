import { randomUUID } from 'node:crypto';
import {
  type DeviceEventRecord,
  type DeviceEventType,
  deviceEventTopicFor,
  encodeRecord,
  encodeRegistryRecord,
  KafkaTopics,
} from '@welfare/contracts';
import { Clock } from '@welfare/platform';
import { CentreWorld, type Place } from '../../../../test/support/centre-world';
import { eventually } from '../../../../test/support/eventually';
import { renderPdfPages } from '../../../../test/support/pdf-pages';
import { type RunningService, startResponseCentre } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';
import { municipalityAdminToken, operatorToken, supervisorToken } from '../../../../test/support/tokens';
import type { ReportFigures } from './report-figures';

/** The centre's clock, set by the test before each step it takes. */
class ControlledClock extends Clock {
  private at = new Date('2026-03-28T19:00:00Z');
  now(): Date {
    return new Date(this.at);
  }
  set(at: Date): void {
    this.at = new Date(at);
  }
}

const MINUTE = 60_000;
/** Saturday 2026-03-28 21:00 CET; the clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC that night. */
const T0 = Date.parse('2026-03-28T20:00:00Z');
const PRESS_BEFORE_OPEN_MS = 2000;

/** Answer delays (s) of the 33 alarms handled by phone, in opening order; slot 29 opens at 01:59:30 CET. */
const PHONE_DELAYS = [
  20, 22, 25, 28, 30, 30, 33, 35, 38, 40, 42, 45, 48, 50, 52, 55, 58, 59, 60, 60.001, 61, 75, 90, 120, 150, 179, 180,
  180.001, 200, 60, 240, 300, 420,
];
/** The 7 dispatched alarms: answer delay (s), accept after the dispatch (s, or a decline), arrival after opening (s). */
const DISPATCHED = [
  { answer: 5, accept: 20, arrive: 20 * 60 },
  { answer: 8, accept: 40, arrive: 30 * 60 },
  { answer: 10, accept: 60, arrive: 30 * 60 + 1 },
  { answer: 12, accept: 90, arrive: 45 * 60 },
  { answer: 15, accept: 120, arrive: 59 * 60 },
  { answer: 15, accept: 45, arrive: 61 * 60 },
  { answer: 18, accept: null, arrive: null },
];

function phoneSlotOpening(k: number): number {
  if (k === 29) return Date.parse('2026-03-29T00:59:30Z');
  return T0 + (k < 30 ? k * 10 : k * 10 + 5) * MINUTE;
}

/**
 * Exact report figures from real handling-log rows: 40 alarms of one municipality go through the
 * real pipeline (Kafka intake, the operator API, home care's updates on Kafka) with the centre's
 * clock set before each step, across the night daylight saving starts. The read model is folded
 * from the log by the projection, and the report API, CSV and PDF are read as a supervisor and as
 * municipality administrators, with other tenants fenced out.
 */
describe('response centre: response-time reports', () => {
  const clock = new ControlledClock();
  let database: { url: string; drop(): Promise<void> };
  let centre: RunningService;
  let world: CentreWorld;
  let a: Place;
  let b: Place;
  let elsewhere: Place;
  const alarmsOpened: Record<string, string[]> = {};

  beforeAll(async () => {
    database = await createTestDatabase('reports');
    centre = await startResponseCentre(
      database.url,
      {
        KAFKA_CONSUMER_GROUP: uniqueName('rc-reports'),
        // Nothing escalates by waiting: the test jumps the clock, and a sweep in between would add steps at random.
        ESCALATION_LIMITS_SECONDS: '86400,86400,86400',
        // In the whole suite, earlier test files' devices reach this centre through the shared registry
        // topic and, never heard on this jumped clock, fall silent together: a fleet-silence incident,
        // which counts in every report of its month. This test's own devices are too few to be a fleet;
        // fleet silence is counted exactly in reports-on-pglite.int-spec.ts.
        FLEET_SILENCE_MIN_DEVICES: '1000000',
      },
      { clock },
    );
    world = await CentreWorld.open(centre, database.url);
    const centreId = randomUUID();
    [a, b, elsewhere] = await Promise.all([world.place({ centreId }), world.place({ centreId }), world.place()]);
    await publishMunicipality(a, 'Øvre Testdal');
    await publishMunicipality(b, 'Nedre Testdal');
    await publishMunicipality(elsewhere, 'Annensteds');
    await eventually(async () => {
      const rows = await world.sql('SELECT 1 FROM registry_municipalities WHERE municipality_id = ANY($1)', [
        [a.municipalityId, b.municipalityId, elsewhere.municipalityId],
      ]);
      if (rows.length !== 3) throw new Error('municipalities not in the view yet');
    });
    await driveTheNight();
  }, 240_000);

  afterAll(async () => {
    await world?.close();
    await centre?.close();
    await database?.drop();
  });

  async function publishMunicipality(place: Place, name: string): Promise<void> {
    await world.sendRaw(
      KafkaTopics.registryMunicipalities,
      place.municipalityId,
      encodeRegistryRecord({
        v: 1,
        municipalityId: place.municipalityId,
        revision: 1,
        name,
        responseCentreId: place.centreId,
        alarmRuleDefaults: {},
        deleted: false,
        updatedAt: new Date().toISOString(),
      }),
    );
  }

  const at = (ms: number) => clock.set(new Date(ms));

  /** A press on the place's device at `openedAt` less 2 s, taken in by the centre at `openedAt`. */
  async function open(place: Place, openedAt: number, type = 'alarm.button'): Promise<string> {
    at(openedAt);
    const eventId = uniqueName('press');
    const record = {
      v: 1,
      deviceId: place.deviceId,
      receivedAt: new Date(openedAt).toISOString(),
      event: {
        id: eventId,
        type,
        time: new Date(openedAt - PRESS_BEFORE_OPEN_MS).toISOString(),
        ...(type === 'battery.low' ? { battery: 7 } : {}),
      },
    } as DeviceEventRecord;
    await world.sendRaw(deviceEventTopicFor(type as DeviceEventType), place.deviceId, encodeRecord(record));
    const alarmId = await eventually(async () => {
      const [row] = await world.sql<{ alarm_id: string | null }>(
        'SELECT alarm_id FROM device_events WHERE device_id = $1 AND event_id = $2',
        [place.deviceId, eventId],
      );
      if (!row?.alarm_id) throw new Error(`press ${eventId} has not opened an alarm yet`);
      return row.alarm_id;
    });
    (alarmsOpened[place.municipalityId] ??= []).push(alarmId);
    return alarmId;
  }

  async function act(place: Place, moment: number, path: string, body?: unknown): Promise<any> {
    at(moment);
    const answer = await world.call('POST', path, await operatorToken(place.centreId), body);
    if (answer.status >= 300) throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async function homeCare(
    moment: number,
    dispatch: { id: string; alarmId: string; homeCareTeamId: string },
    type: any,
  ) {
    at(moment);
    await world.homeCareSays(dispatch, type, { at: new Date(moment).toISOString() });
    const step = type.replace('.', '_');
    await eventually(async () => {
      const rows = await world.sql('SELECT 1 FROM alarm_handling_log WHERE alarm_id = $1 AND step = $2', [
        dispatch.alarmId,
        step,
      ]);
      if (rows.length === 0) throw new Error(`${step} not logged yet`);
    });
  }

  async function driveTheNight(): Promise<void> {
    for (const [k, answer] of PHONE_DELAYS.entries()) {
      const opened = phoneSlotOpening(k);
      const alarmId = await open(a, opened, k < 5 ? 'fall.detected' : 'alarm.button');
      const outcome = k < 8 ? 'false_alarm' : k < 12 ? 'cancelled_by_resident' : 'handled_by_phone';
      await act(a, opened + answer * 1000, `/api/alarms/${alarmId}/acknowledge`);
      await act(a, opened + answer * 1000 + 10_000, `/api/alarms/${alarmId}/resolve`, { outcome });
    }
    for (const [j, plan] of DISPATCHED.entries()) {
      const opened = Date.parse('2026-03-29T02:00:00Z') + j * 70 * MINUTE;
      const alarmId = await open(a, opened);
      const answered = opened + plan.answer * 1000;
      await act(a, answered, `/api/alarms/${alarmId}/acknowledge`);
      const detail = await act(a, answered + 30_000, `/api/alarms/${alarmId}/dispatches`, {
        homeCareTeamId: a.teamId,
        instructions: 'Visit',
      });
      const dispatch = { id: detail.dispatches[0].id as string, alarmId, homeCareTeamId: a.teamId };
      let last: number;
      if (plan.accept === null) {
        last = answered + 60_000;
        await homeCare(last, dispatch, 'dispatch.declined');
      } else {
        await homeCare(answered + 30_000 + plan.accept * 1000, dispatch, 'dispatch.accepted');
        await homeCare(opened + plan.arrive! * 1000, dispatch, 'dispatch.arrived');
        last = opened + plan.arrive! * 1000 + 5 * MINUTE;
        await homeCare(last, dispatch, 'dispatch.completed');
      }
      const outcome = plan.accept === null ? 'handled_by_phone' : 'home_care_visit';
      await act(a, last + 10_000, `/api/alarms/${alarmId}/resolve`, { outcome });
    }
    // Municipality B, same centre: a press answered in 30 s and a low battery answered in 100 s.
    const press = await open(b, Date.parse('2026-03-29T10:30:00Z'));
    await act(b, Date.parse('2026-03-29T10:30:30Z'), `/api/alarms/${press}/acknowledge`);
    const battery = await open(b, Date.parse('2026-03-29T10:40:00Z'), 'battery.low');
    await act(b, Date.parse('2026-03-29T10:41:40Z'), `/api/alarms/${battery}/acknowledge`);
    // Another centre's municipality: in no report of this centre.
    const other = await open(elsewhere, Date.parse('2026-03-29T11:00:00Z'));
    await act(elsewhere, Date.parse('2026-03-29T11:00:05Z'), `/api/alarms/${other}/acknowledge`);
  }

  const report = async (token: string, path: string) =>
    world.call<{ subject: any; figures: ReportFigures }>('GET', path, token);

  it('gives the supervisor every figure of municipality A exactly, from the handling log of the night', async () => {
    const supervisor = await supervisorToken(a.centreId);
    const answer = await report(supervisor, `/api/reports/municipalities/${a.municipalityId}?period=2026-03`);
    expect(answer.status).toBe(200);
    const { subject, figures } = answer.body;
    expect(subject).toEqual({ kind: 'municipality', id: a.municipalityId, name: 'Øvre Testdal' });
    expect(figures.alarms).toBe(40);
    expect(figures.timeToAnswer).toEqual({
      count: 40,
      medianSeconds: 48,
      p90Seconds: 180.001,
      within60s: { count: 27, of: 40, percent: 67.5 },
      within180s: { count: 35, of: 40, percent: 87.5 },
      notAnswered: 0,
      fromPress: { count: 40, medianSeconds: 50, p90Seconds: 182.001 },
    });
    const [slot27, slot28, slot30, slot31, slot32] = [27, 28, 30, 31, 32].map((k) => alarmsOpened[a.municipalityId][k]);
    expect(figures.followUp).toEqual([
      {
        alarmId: slot27,
        openedAt: '2026-03-29T00:30:00.000Z',
        municipalityId: a.municipalityId,
        priority: 1,
        answerSeconds: 180.001,
      },
      {
        alarmId: slot28,
        openedAt: '2026-03-29T00:40:00.000Z',
        municipalityId: a.municipalityId,
        priority: 1,
        answerSeconds: 200,
      },
      {
        alarmId: slot30,
        openedAt: '2026-03-29T01:05:00.000Z',
        municipalityId: a.municipalityId,
        priority: 1,
        answerSeconds: 240,
      },
      {
        alarmId: slot31,
        openedAt: '2026-03-29T01:15:00.000Z',
        municipalityId: a.municipalityId,
        priority: 1,
        answerSeconds: 300,
      },
      {
        alarmId: slot32,
        openedAt: '2026-03-29T01:25:00.000Z',
        municipalityId: a.municipalityId,
        priority: 1,
        answerSeconds: 420,
      },
    ]);
    expect(figures.timeToHelpOnSite).toEqual({
      count: 6,
      medianSeconds: 1801,
      p90Seconds: 3660,
      within30min: { count: 2, of: 6, percent: 33.3 },
      within45min: { count: 4, of: 6, percent: 66.7 },
      within60min: { count: 5, of: 6, percent: 83.3 },
    });
    expect(figures.dispatches).toEqual({
      alarmsDispatched: 7,
      dispatches: 7,
      timeToAccept: { count: 6, medianSeconds: 45, p90Seconds: 120 },
      declined: 1,
      expired: 0,
      unanswered: 0,
    });
    expect(figures.volumes.byTrigger).toEqual({ 'fall.detected': 5, 'alarm.button': 35 });
    expect(figures.volumes.byPriority).toEqual({ '1': 40 });
    expect(figures.volumes.byOutcome).toEqual({
      false_alarm: 8,
      cancelled_by_resident: 4,
      handled_by_phone: 22,
      home_care_visit: 6,
    });
    expect(figures.volumes.falseAlarms).toEqual({ count: 12, of: 40, percent: 30 });
    // Saturday (5) 21-23 h CET and Sunday (6) 00-01 h CET: 6 each; no Sunday 02 h (it never was); 3 at 03 h CEST, then one an hour.
    const saturday = Array(24).fill(0);
    saturday[21] = saturday[22] = saturday[23] = 6;
    const sunday = Array(24).fill(0);
    sunday[0] = sunday[1] = 6;
    sunday[3] = 3;
    for (const hour of [4, 5, 6, 7, 8, 9, 11]) sunday[hour] = 1;
    expect(figures.volumes.byWeekdayHour[5]).toEqual(saturday);
    expect(figures.volumes.byWeekdayHour[6]).toEqual(sunday);
    expect(figures.volumes.byWeekdayHour.flat().reduce((x, y) => x + y)).toBe(40);
    expect(figures.escalations).toEqual({ alarmsEscalated: 1, escalations: 1 });
    // A's device was watched from 19:00 UTC on the 28th (registered then) to the report's "now", the
    // centre's clock at 11:00:05 UTC on the 29th: 17 hours begun. It was heard in the hours of its presses.
    const heardHours = new Set(
      [
        ...PHONE_DELAYS.map((_, k) => phoneSlotOpening(k)),
        ...DISPATCHED.map((_, j) => Date.parse('2026-03-29T02:00:00Z') + j * 70 * MINUTE),
      ].map((opened) => Math.floor(opened / (60 * MINUTE))),
    );
    expect(heardHours.size).toBe(13);
    expect(figures.technical).toEqual({
      batteryLow: 0,
      powerLost: 0,
      deviceSilent: 0,
      fleetSilent: 0,
      deviceHoursHeard: { count: 13, of: 17, percent: 76.5 },
      devicesSilentNow: 0,
    });
    // The same alarms by ISO week and by a range of days; none the day before.
    for (const period of ['2026-W13', '2026-03-28..2026-03-29'])
      expect(
        (await report(supervisor, `/api/reports/municipalities/${a.municipalityId}?period=${period}`)).body.figures
          .timeToAnswer,
      ).toEqual(figures.timeToAnswer);
    expect(
      (await report(supervisor, `/api/reports/municipalities/${a.municipalityId}?period=2026-03-27..2026-03-27`)).body
        .figures.alarms,
    ).toBe(0);
  });

  it('reports the whole centre, its municipalities together and no other centre', async () => {
    const answer = await report(await supervisorToken(a.centreId), `/api/reports/centres/${a.centreId}?period=2026-03`);
    expect(answer.status).toBe(200);
    expect(answer.body.figures.alarms).toBe(42);
    expect(answer.body.figures.technical.batteryLow).toBe(1);
    expect(answer.body.figures.timeToAnswer.count).toBe(42);
    // A's 13 heard hours and B's one (10 UTC), of 17 each.
    expect(answer.body.figures.technical.deviceHoursHeard).toEqual({ count: 14, of: 34, percent: 41.2 });
    expect(JSON.stringify(answer.body)).not.toContain(alarmsOpened[elsewhere.municipalityId][0]);
  });

  it("fences: a municipality's administrator gets only their own, in the API, the CSV and the PDF", async () => {
    const adminA = await municipalityAdminToken(a.municipalityId);
    const adminB = await municipalityAdminToken(b.municipalityId);
    const own = await report(adminB, `/api/reports/municipalities/${b.municipalityId}?period=2026-03`);
    expect(own.status).toBe(200);
    expect(own.body.figures.alarms).toBe(2);
    expect(own.body.figures.technical.batteryLow).toBe(1);
    expect(own.body.figures.technical.deviceHoursHeard).toEqual({ count: 1, of: 17, percent: 5.9 });
    for (const suffix of ['', '/csv', '/pdf']) {
      const path = `/api/reports/municipalities/${a.municipalityId}${suffix}?period=2026-03`;
      const refused = await world.call('GET', path, adminB);
      expect({ path, status: refused.status }).toEqual({ path, status: 404 });
      expect(JSON.stringify(refused.body)).not.toContain('Øvre');
      expect((await world.call('GET', path, await supervisorToken(elsewhere.centreId))).status).toBe(404);
      expect((await world.call('GET', path, adminA)).status).toBe(200);
    }
    expect((await world.call('GET', `/api/reports/centres/${a.centreId}`, adminA)).status).toBe(403);
    expect(
      (await world.call('GET', `/api/reports/centres/${a.centreId}`, await supervisorToken(elsewhere.centreId))).status,
    ).toBe(404);
    expect(
      (await world.call('GET', `/api/reports/centres/${a.centreId}`, await operatorToken(a.centreId))).status,
    ).toBe(403);
  });

  it('refuses a period it cannot read with 422 and a message', async () => {
    const answer = await world.call(
      'GET',
      `/api/reports/municipalities/${a.municipalityId}?period=2026-13`,
      await supervisorToken(a.centreId),
    );
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toContain('names no real date');
  });

  it('gives the CSV with a BOM, semicolons and decimal commas, and names no resident', async () => {
    const response = await fetch(`${centre.url}/api/reports/municipalities/${a.municipalityId}/csv?period=2026-03`, {
      headers: { authorization: `Bearer ${await municipalityAdminToken(a.municipalityId)}` },
    });
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.split('\n')[0]).toBe('seksjon;tall;verdi');
    expect(text).toContain('Tid til svar;Andel besvart innen 60 s (%);67,5\n');
    expect(text).toContain('Tid til svar;90-persentil (sekunder);180,001\n');
    expect(text).toContain('Teknisk helse;Andel enhetstimer med livstegn (%);76,5\n');
    expect(text).toContain('Kommune;Øvre Testdal');
    expect(text).toContain(`${alarmsOpened[a.municipalityId][32]};2026-03-29T01:25:00.000Z;1;420`);
    expect(text).not.toContain(a.residentId);
  });

  it('renders the monthly PDF to pages (test-results/reports/report-municipality-a-*.png)', async () => {
    const response = await fetch(`${centre.url}/api/reports/municipalities/${a.municipalityId}/pdf?period=2026-03`, {
      headers: { authorization: `Bearer ${await supervisorToken(a.centreId)}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await renderPdfPages(pdf, 'report-municipality-a');
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });
});
