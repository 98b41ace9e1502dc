import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The intervals a report measures, and the local weekday and hour of its heat map, stored in the
 * read model as generated columns: computed once when the fold writes a row (and again whenever
 * it changes one of the row's moments), not for each of a month's 100,000 rows on every report.
 * They are exactly what report-figures-sql.ts computed at query time: whole milliseconds between
 * two moments each cut to the millisecond. A generated column takes immutable expressions only,
 * so each moment is cut as a UTC wall-clock timestamp (`AT TIME ZONE 'UTC'`), which gives the
 * same milliseconds as cutting the timestamptz (a cut below the day does not depend on the zone).
 * The heat map's zone is the reports' (REPORT_ZONE in reports/report-period.ts); the int-spec
 * that holds the SQL to the figures' definition fails if the two ever part.
 * Bigint, not integer: an alarm taken 25 days after it opened would overflow an integer of
 * milliseconds, and a fold that fails on one row folds nothing more.
 */
export class ReportFactsMeasures1764950000000 implements MigrationInterface {
  name = 'ReportFactsMeasures1764950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE report_alarm_facts
        ADD COLUMN answer_ms bigint GENERATED ALWAYS AS (${intervalMs('opened_at', 'acknowledged_at')}) STORED,
        ADD COLUMN press_ms bigint GENERATED ALWAYS AS (${intervalMs('triggered_at', 'acknowledged_at')}) STORED,
        ADD COLUMN on_site_ms bigint GENERATED ALWAYS AS (${intervalMs('opened_at', 'first_arrived_at')}) STORED,
        ADD COLUMN accept_ms bigint GENERATED ALWAYS AS (
          CASE WHEN dispatches > 0 THEN ${intervalMs('first_dispatched_at', 'first_accepted_at')} END) STORED,
        ADD COLUMN opened_weekday smallint GENERATED ALWAYS AS (
          extract(isodow FROM opened_at AT TIME ZONE 'Europe/Oslo') - 1) STORED,
        ADD COLUMN opened_hour smallint GENERATED ALWAYS AS (extract(hour FROM opened_at AT TIME ZONE 'Europe/Oslo')) STORED`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE report_alarm_facts
        DROP COLUMN answer_ms, DROP COLUMN press_ms, DROP COLUMN on_site_ms, DROP COLUMN accept_ms,
        DROP COLUMN opened_weekday, DROP COLUMN opened_hour`);
  }
}

/** Whole milliseconds from one moment to another, each cut to the millisecond; null if either is. */
function intervalMs(from: string, to: string): string {
  const cut = (column: string) => `date_trunc('milliseconds', ${column} AT TIME ZONE 'UTC')`;
  return `round(date_part('epoch', ${cut(to)} - ${cut(from)}) * 1000)::bigint`;
}
