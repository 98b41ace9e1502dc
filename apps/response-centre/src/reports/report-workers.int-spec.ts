import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@welfare/platform';
import { postgresDataSourceOptions } from '@welfare/persistence';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../../test/support/test-database';
import { responseCentreEntities, responseCentreMigrations } from '../database/schema';
import type { AlarmFacts } from './alarm-facts';
import { reportCsv } from './report-csv';
import { ReportFactsRepository } from './report-facts.repository';
import { reportFigures } from './report-figures';
import { parsePeriod } from './report-period';
import type { ReportWorkerData } from './report-worker-protocol';
import { ReportWorkers } from './report-workers';

const MUNICIPALITY = randomUUID();
const CENTRE = randomUUID();
const MARCH = parsePeriod('2026-03');
const SUBJECT = { kind: 'municipality' as const, id: MUNICIPALITY, name: 'Prøvekommune' };

function facts(openedAt: string, answerSeconds: number | null): AlarmFacts {
  const opened = new Date(openedAt);
  return {
    alarmId: randomUUID(),
    municipalityId: MUNICIPALITY,
    responseCentreId: CENTRE,
    triggerType: 'alarm.button',
    priority: 1,
    kind: 'care',
    triggeredAt: new Date(opened.getTime() - 2000),
    openedAt: opened,
    acknowledgedAt: answerSeconds === null ? null : new Date(opened.getTime() + answerSeconds * 1000),
    firstDispatchedAt: null,
    firstAcceptedAt: null,
    firstArrivedAt: null,
    resolvedAt: null,
    outcome: null,
    escalations: 0,
    dispatches: 0,
    dispatchesDeclined: 0,
    dispatchesExpired: 0,
    dispatchesUnanswered: 0,
  };
}

/** The varied month's tenants, apart from the small month's above. */
const VARIED = { centre: randomUUID(), a: randomUUID(), b: randomUUID() };
const TRIGGERS = ['alarm.button', 'fall.detected', 'battery.low', 'power.lost', 'device.silent', 'system.fleet_silent'];
const OUTCOMES = [
  null,
  'false_alarm',
  'cancelled_by_resident',
  'handled_by_phone',
  'home_care_visit',
  'cleared_by_device',
];

/**
 * A varied month for two municipalities of the centre: answers, arrivals and accepts at random
 * whole milliseconds and on the thresholds' edges (60 s, 180 s, 30/45/60 min exactly and a
 * millisecond more), some never answered, dispatched or resolved; every trigger and outcome.
 */
function variedFacts(count: number): AlarmFacts[] {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)];
  const edges = [60, 60.001, 180, 180.001, 1800, 1800.001, 2700, 2700.001, 3600, 3600.001];
  const monthStart = Date.parse('2026-02-28T20:00:00Z'); // a day before March in Norway, so some fall outside
  return Array.from({ length: count }, (_, k) => {
    const opened = monthStart + Math.floor(random() * 33 * 86_400_000);
    const after = (seconds: number | null) => (seconds === null ? null : new Date(opened + Math.round(seconds * 1000)));
    const answer = random() < 0.1 ? null : random() < 0.2 ? pick(edges) : random() * 400;
    const dispatched = answer !== null && random() < 0.3;
    const accepted =
      dispatched && random() < 0.8 ? answer! + 30 + (random() < 0.2 ? pick(edges) : random() * 300) : null;
    const arrive = accepted !== null && random() < 0.9 ? (random() < 0.3 ? pick(edges) : random() * 5000) : null;
    return {
      ...facts(new Date(opened).toISOString(), null),
      municipalityId: k % 3 === 0 ? VARIED.a : VARIED.b,
      responseCentreId: VARIED.centre,
      triggerType: pick(TRIGGERS),
      priority: 1 + Math.floor(random() * 3),
      triggeredAt: new Date(opened - Math.floor(random() * 5000)),
      acknowledgedAt: after(answer),
      firstDispatchedAt: dispatched ? after(answer! + 30) : null,
      firstAcceptedAt: after(accepted),
      firstArrivedAt: after(arrive),
      outcome: pick(OUTCOMES),
      escalations: random() < 0.05 ? 1 + Math.floor(random() * 3) : 0,
      dispatches: dispatched ? 1 + Math.floor(random() * 2) : 0,
      dispatchesDeclined: dispatched && random() < 0.2 ? 1 : 0,
      dispatchesExpired: dispatched && random() < 0.1 ? 1 : 0,
      dispatchesUnanswered: dispatched && random() < 0.1 ? 1 : 0,
    };
  });
}

/** Report workers whose first worker dies at its first job; the next one is the real report worker. */
class FirstWorkerDies extends ReportWorkers {
  spawned = 0;
  protected override spawnWorker(workerData: ReportWorkerData): Worker {
    if (this.spawned++ > 0) return super.spawnWorker(workerData);
    return new Worker(`require('node:worker_threads').parentPort.on('message', () => process.exit(3));`, {
      eval: true,
    });
  }
}

/**
 * The report worker thread on real PostgreSQL, started from the TypeScript sources: it answers
 * with exactly the figures and CSV the same facts give on this thread; a worker that dies fails
 * its job with 503 ("unavailable") and is replaced; after shutdown nothing waits.
 */
describe('report workers', () => {
  let database: { url: string; drop(): Promise<void> };
  let dataSource: DataSource;
  let repository: ReportFactsRepository;

  beforeAll(async () => {
    database = await createTestDatabase('report_workers');
    dataSource = new DataSource(
      postgresDataSourceOptions({
        url: database.url,
        poolSize: 2,
        applicationName: 'report-workers-test',
        entities: responseCentreEntities,
        migrations: responseCentreMigrations,
      }),
    );
    await dataSource.initialize();
    await dataSource.runMigrations();
    repository = new ReportFactsRepository(dataSource);
    await dataSource.transaction((manager) =>
      repository.merge(manager, [
        facts('2026-03-02T08:00:00Z', 30),
        facts('2026-03-10T12:00:00Z', 60),
        facts('2026-03-20T23:30:00Z', 240),
        facts('2026-03-31T21:59:59Z', null),
        facts('2026-04-01T08:00:00Z', 10), // April in Norway: not in March's report
      ]),
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('answers with the figures and the CSV that the same facts give on this thread', async () => {
    const workers = new ReportWorkers({ DATABASE_URL: database.url });
    workers.onModuleInit();
    try {
      const answer = await workers.run({
        subject: SUBJECT,
        facts: { municipalityId: MUNICIPALITY },
        period: MARCH,
        output: 'figures',
        madeAt: new Date(),
      });
      const expected = reportFigures(
        MARCH,
        await repository.factsFor({ municipalityId: MUNICIPALITY }, MARCH.from, MARCH.to),
      );
      expect(answer).toEqual({ id: expect.any(Number), report: { subject: SUBJECT, figures: expected } });
      expect(expected.alarms).toBe(4);
      expect(expected.timeToAnswer).toMatchObject({ count: 3, medianSeconds: 60, notAnswered: 1 });
      expect(expected.followUp).toHaveLength(1);

      const csv = await workers.run({
        subject: SUBJECT,
        facts: { municipalityId: MUNICIPALITY, responseCentreId: CENTRE },
        period: MARCH,
        output: 'csv',
        madeAt: new Date(),
      });
      expect('file' in csv && Buffer.from(csv.file).toString('utf8')).toBe(
        reportCsv({ subject: SUBJECT, figures: expected }),
      );
    } finally {
      await workers.onModuleDestroy();
    }
  });

  it('folds an alarm whose moments a device clock put past the year 9999 in UTC, and the facts after it', async () => {
    // `9999-12-31T23:59:59-23:59` is valid RFC 3339: in UTC it is in the year 10000 (toISOString: "+010000-...").
    const farFuture = facts('2026-03-05T08:00:00Z', null);
    farFuture.triggeredAt = new Date('9999-12-31T23:59:59-23:59');
    farFuture.openedAt = new Date('9999-12-31T23:59:59-23:59');
    const next = facts('2026-03-05T09:00:00Z', 5);
    await dataSource.transaction((manager) => repository.merge(manager, [farFuture, next]));
    const rows: { alarm_id: string; opened_at: string }[] = await dataSource.query(
      `SELECT alarm_id, to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS opened_at
         FROM report_alarm_facts WHERE alarm_id = ANY($1) ORDER BY report_alarm_facts.opened_at`,
      [[farFuture.alarmId, next.alarmId]],
    );
    expect(rows).toEqual([
      { alarm_id: next.alarmId, opened_at: '2026-03-05 09:00:00' },
      { alarm_id: farFuture.alarmId, opened_at: '10000-01-01 23:58:59' },
    ]);
    await dataSource.query('DELETE FROM report_alarm_facts WHERE alarm_id = ANY($1)', [
      [farFuture.alarmId, next.alarmId],
    ]);
  });

  it('computes in the database exactly the figures the definition gives, for a municipality, a centre and both', async () => {
    await dataSource.transaction((manager) => repository.merge(manager, variedFacts(3000)));
    // Moments with microseconds, as PostgreSQL's now() writes them: reports count whole milliseconds.
    await dataSource.query(
      `UPDATE report_alarm_facts SET acknowledged_at = acknowledged_at + interval '999 microseconds',
              first_arrived_at = first_arrived_at + interval '400 microseconds'
        WHERE municipality_id = $1 AND priority = 2`,
      [VARIED.a],
    );
    const workers = new ReportWorkers({ DATABASE_URL: database.url });
    workers.onModuleInit();
    try {
      for (const subject of [
        { municipalityId: VARIED.a },
        { responseCentreId: VARIED.centre },
        { municipalityId: VARIED.b, responseCentreId: VARIED.centre },
      ]) {
        const answer = await workers.run({
          subject: SUBJECT,
          facts: subject,
          period: MARCH,
          output: 'figures',
          madeAt: new Date(),
        });
        const expected = reportFigures(MARCH, await repository.factsFor(subject, MARCH.from, MARCH.to));
        expect('report' in answer && answer.report.figures).toEqual(expected);
        // The facts are varied enough to put every figure to the test.
        expect(expected.alarms).toBeGreaterThan(900);
        expect(expected.followUp.length).toBeGreaterThan(50);
        expect(expected.timeToAnswer.within60s.count).toBeGreaterThan(0);
        expect(expected.timeToHelpOnSite.within30min.count).toBeGreaterThan(0);
        expect(expected.dispatches.timeToAccept.count).toBeGreaterThan(0);
        expect(Object.keys(expected.volumes.byOutcome)).toHaveLength(OUTCOMES.length - 1);
        expect(expected.technical.fleetSilent).toBeGreaterThan(0);
      }
    } finally {
      await workers.onModuleDestroy();
    }
  });

  it('fails the job of a worker that dies with "unavailable", and starts another that answers', async () => {
    const workers = new FirstWorkerDies({ DATABASE_URL: database.url });
    workers.onModuleInit();
    const job = {
      subject: SUBJECT,
      facts: { municipalityId: MUNICIPALITY },
      period: MARCH,
      output: 'figures' as const,
      madeAt: new Date(),
    };
    try {
      const failed = await workers.run(job).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(DomainError);
      expect(failed).toMatchObject({ kind: 'unavailable', code: 'report.worker_unavailable' });
      expect((failed as Error).message).toContain('exit code 3');
      const answer = await workers.run(job);
      expect('report' in answer && answer.report.figures.alarms).toBe(4);
      expect(workers.spawned).toBe(2);
    } finally {
      await workers.onModuleDestroy();
    }
  });

  it('fails a job still running at shutdown with "unavailable", and takes none after', async () => {
    const workers = new ReportWorkers({ DATABASE_URL: database.url });
    workers.onModuleInit();
    const job = {
      subject: SUBJECT,
      facts: { municipalityId: MUNICIPALITY },
      period: MARCH,
      output: 'pdf' as const,
      madeAt: new Date(),
    };
    const running = workers.run(job).catch((error: unknown) => error);
    await workers.onModuleDestroy();
    expect(await running).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('shutting down') });
    await expect(workers.run(job)).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
