import { randomUUID } from 'node:crypto';
import { postgresDataSourceOptions } from '@welfare/persistence';
import { DataSource } from 'typeorm';
import { type PgliteServer, startPgliteServer } from '../../../../infra/src/postgres';
import { responseCentreEntities, responseCentreMigrations } from '../database/schema';
import { DeviceHeardHoursService } from './device-heard-hours.service';
import { ReportFactsRepository } from './report-facts.repository';
import { reportFigures } from './report-figures';
import { parsePeriod } from './report-period';
import { ReportProjectionService } from './report-projection.service';
import { ReportWorkers } from './report-workers';

const MUNICIPALITY = randomUUID();
const CENTRE = randomUUID();
const DEVICE = 'pglite-dev-1';
const MARCH = parsePeriod('2026-03');
/** The report's "now": the device was watched from 2026-03-10 08:00 UTC, so 3 hours have begun. */
const NOW = new Date('2026-03-10T10:30:00Z');

/**
 * The reports on embedded PGlite, what `npm start` falls back to when no PostgreSQL answers
 * (started as infra/src/postgres.ts starts it): the migrations, both folds (handling log and
 * device history, with their commit horizon), and the report worker's statements, figures, CSV
 * and PDF; the worker's read-only connection leaves the service's own connections writable
 * (PGlite shares one backend session between connections).
 */
describe('reports on embedded PGlite', () => {
  let pglite: PgliteServer;
  let dataSource: DataSource;

  beforeAll(async () => {
    pglite = await startPgliteServer(undefined);
    dataSource = new DataSource(
      postgresDataSourceOptions({
        url: pglite.url,
        poolSize: 2,
        applicationName: 'reports-pglite-test',
        entities: responseCentreEntities,
        migrations: responseCentreMigrations,
      }),
    );
    await dataSource.initialize();
    await dataSource.runMigrations();
    await seed(dataSource);
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await pglite?.stop();
  });

  it('folds the log and the device history and makes the report, CSV and PDF in the worker', async () => {
    const facts = new ReportFactsRepository(dataSource);
    const projection = new ReportProjectionService(dataSource, facts);
    const heardHours = new DeviceHeardHoursService(dataSource);
    expect(await projection.catchUp()).toBe(8);
    expect(await heardHours.catchUp()).toBe(3);
    const workers = new ReportWorkers({ DATABASE_URL: pglite.url });
    workers.onModuleInit();
    try {
      const job = {
        subject: { kind: 'centre' as const, id: CENTRE, name: 'Hele sentralen' },
        facts: { responseCentreId: CENTRE },
        period: MARCH,
        madeAt: NOW,
      };
      const answer = await workers.run({ ...job, output: 'figures' });
      const supervision = {
        deviceHoursHeard: { count: 2, of: 3, percent: 66.7 },
        devicesSilentNow: 1,
        ownerlessFleetSilent: 1,
      };
      const expected = reportFigures(
        MARCH,
        await facts.factsFor({ responseCentreId: CENTRE }, MARCH.from, MARCH.to),
        supervision,
      );
      expect('report' in answer && answer.report.figures).toEqual(expected);
      expect(expected).toMatchObject({
        alarms: 2,
        timeToAnswer: { count: 2, medianSeconds: 30, p90Seconds: 200, within60s: { count: 1, of: 2, percent: 50 } },
        timeToHelpOnSite: { count: 1, medianSeconds: 1500 },
        volumes: { byOutcome: { false_alarm: 1, home_care_visit: 1 } },
        technical: { fleetSilent: 1, devicesSilentNow: 1 },
      });
      expect(expected.volumes.byWeekdayHour[1][9]).toBe(1); // Tuesday 10 March, 09:00 in Norway (08:00 UTC)
      const csv = await workers.run({ ...job, output: 'csv' });
      expect('file' in csv && Buffer.from(csv.file).toString('utf8')).toContain(
        'Andel enhetstimer med livstegn (%);66,7',
      );
      const pdf = await workers.run({ ...job, output: 'pdf' });
      expect('file' in pdf && Buffer.from(pdf.file).subarray(0, 5).toString()).toBe('%PDF-');
      // The worker's read-only session default must not have reached the service's connections.
      await dataSource.query(`UPDATE report_projection_position SET log_id = log_id WHERE id = 1`);
    } finally {
      await workers.onModuleDestroy();
    }
  });
});

/**
 * Two alarms of one device in March (answered in 30 s and 200 s, one visited after 25 min), the
 * device heard in 2 of 3 hours and silent now, and a fleet-silence incident of no owner.
 */
async function seed(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    `INSERT INTO registry_devices (device_id, revision, state, kind, municipality_id, response_centre_id, heartbeat_interval_seconds, updated_at)
     VALUES ($1, 1, 'active', 'safety_alarm', $2, $3, 3600, now())`,
    [DEVICE, MUNICIPALITY, CENTRE],
  );
  await dataSource.query(
    `INSERT INTO device_supervision (device_id, last_heard_at, silent_after, watched_since)
     VALUES ($1, '2026-03-10T08:00:00Z', '2026-03-10T09:02:00Z', '2026-03-10T08:00:00Z')`,
    [DEVICE],
  );
  for (const [k, received] of ['2026-03-10T08:00:00Z', '2026-03-10T08:40:00Z', '2026-03-10T10:05:00Z'].entries())
    await dataSource.query(
      `INSERT INTO device_events (device_id, event_id, type, occurred_at, received_at, stored_at, payload)
       VALUES ($1, $2, 'heartbeat', $3, $3, $3, '{}')`,
      [DEVICE, `hb-${k}`, received],
    );
  const alarms = [
    { opened: '2026-03-10T08:00:00Z', answer: 30, outcome: 'false_alarm', arrive: null },
    { opened: '2026-03-10T10:05:00Z', answer: 200, outcome: 'home_care_visit', arrive: 25 * 60 },
  ];
  let last = '';
  for (const alarm of alarms) {
    const id = (last = randomUUID());
    const opened = Date.parse(alarm.opened);
    const at = (seconds: number) => new Date(opened + seconds * 1000);
    await dataSource.query(
      `INSERT INTO alarms (id, device_id, trigger_event_id, trigger_type, priority, state, triggered_at, opened_at, updated_at,
                           municipality_id, response_centre_id, kind, correlation_key, last_triggered_at)
       VALUES ($1::uuid, $2, $1::text, 'alarm.button', 1, 'open', $3, $3, $3, $4, $5, 'care', $1::text, $3)`,
      [id, DEVICE, at(0), MUNICIPALITY, CENTRE],
    );
    const steps: [string, Date, object][] = [
      ['received', at(0), {}],
      ['acknowledged', at(alarm.answer), {}],
      ...(alarm.arrive === null ? [] : ([['dispatch_arrived', at(alarm.arrive), {}]] as [string, Date, object][])),
      ['resolved', at(alarm.answer + 60), { outcome: alarm.outcome }],
    ];
    for (const [step, moment, details] of steps)
      await dataSource.query(
        `INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id, details) VALUES ($1, $2, $3, 'operator', 'op', $4)`,
        [id, step, moment, JSON.stringify(details)],
      );
  }
  // Silent now: its silence alarm is open (any alarm does for the count).
  await dataSource.query(`UPDATE device_supervision SET silent_alarm_id = $1 WHERE device_id = $2`, [last, DEVICE]);
  // A fleet-silence incident, as supervision opens it: the whole fleet's, no municipality or centre.
  const fleet = randomUUID();
  await dataSource.query(
    `INSERT INTO alarms (id, device_id, trigger_event_id, trigger_type, priority, state, triggered_at, opened_at, updated_at,
                         kind, correlation_key, last_triggered_at)
     VALUES ($1::uuid, 'system', $1::text, 'system.fleet_silent', 1, 'open', $2, $2, $2, 'system', $1::text, $2)`,
    [fleet, new Date('2026-03-12T03:00:00Z')],
  );
  await dataSource.query(
    `INSERT INTO alarm_handling_log (alarm_id, step, at, actor_kind, actor_id) VALUES ($1, 'received', $2, 'system', 'supervision')`,
    [fleet, new Date('2026-03-12T03:00:00Z')],
  );
}
