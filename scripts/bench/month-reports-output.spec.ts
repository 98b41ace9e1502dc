/** What a --with-month-reports run prints and writes: the side-by-side section and its CSV cells. */
import { benchResult, phase } from './bench-result.fixtures';
import { MonthReportsResult } from './month-reports';
import { formatMonthReportsCost, formatReport } from './report';
import { toRow } from './results-csv';

function monthReports(reportsMade: number): MonthReportsResult {
  return {
    setup: {
      alarms: 100_000,
      period: '2026-03',
      steps: 332_302,
      seedMs: 31_000,
      foldMs: 95_000,
      firstReportMs: 2100,
      firstPdfMs: 2300,
    },
    phase: phase('fixed rate, month reports meanwhile', 330, 95),
    requests: {
      report: { count: reportsMade, p50Ms: 1234, maxMs: 2345 },
      pdf: { count: reportsMade, p50Ms: 1500, maxMs: 1800 },
      failed: 0,
      firstFailure: null,
    },
  };
}

describe('formatMonthReportsCost', () => {
  it('puts each leg of the plain and the reports phase side by side, with the change of p99', () => {
    const text = formatMonthReportsCost(phase('fixed rate', 210, 40), monthReports(6));
    const endToEnd = text.split('\n').find((line) => line.includes('end to end (alarm.received)'))!;
    expect(endToEnd.trim().split(/\s{2,}/)).toEqual([
      'end to end (alarm.received)',
      '60.0',
      '210.0',
      '60.0',
      '330.0',
      '+120',
    ]);
    const stored = text.split('\n').find((line) => line.includes('event stored'))!;
    expect(stored.trim().split(/\s{2,}/)).toEqual(['event stored', '30.0', '160.0', '30.0', '280.0', '+120']);
    expect(text).toContain(
      'report 6 made, p50 1,234 ms, max 2,345 ms; PDF 6 made, p50 1,500 ms, max 1,800 ms; 0 failed',
    );
    expect(text).toContain('100,000 alarms of 2026-03');
    const responseCentre = text.split('\n').find((line) => line.trim().startsWith('response-centre'))!;
    expect(responseCentre.trim().split(/\s{2,}/)).toEqual(['response-centre', '40 %', '95 %', '+55']);
    expect(text).not.toContain('WARNING');
  });

  it("lists a row only the reports phase has (the report worker's backend), with no change for it", () => {
    const reports = monthReports(6);
    reports.phase.usage.push({
      name: "postgres: the report worker's backend",
      rssMb: null,
      peakRssMb: null,
      cpuPercent: 35,
      cpuSeconds: 7,
    });
    const text = formatMonthReportsCost(phase('fixed rate', 210, 40), reports);
    const backend = text.split('\n').find((line) => line.includes("the report worker's backend"))!;
    expect(backend.trim().split(/\s{2,}/)).toEqual(["postgres: the report worker's backend", '-', '35 %', '-']);
  });

  it('warns when no report was made during the phase', () => {
    expect(formatMonthReportsCost(phase('fixed rate', 210, 40), monthReports(0))).toContain(
      'WARNING: no report was made during the phase',
    );
  });
});

describe('formatReport with month reports', () => {
  it('gives the target line for the phase with reports, a MISS when none was made', () => {
    const withReports = formatReport(benchResult(['--with-month-reports'], monthReports(6)));
    expect(withReports).toMatch(/the same while month reports are made: MISS \(p99 330\.0 ms; 0 of 800 alarms lost\)/);
    const noneMade = formatReport(benchResult(['--with-month-reports'], monthReports(0)));
    expect(noneMade).toContain('the same while month reports are made: MISS (no report was made during the phase');
  });

  it('says nothing of month reports in a plain run', () => {
    expect(formatReport(benchResult([], null))).not.toMatch(/month reports/i);
  });
});

describe('toRow with month reports', () => {
  it('marks the row with the month size and fills the reports phase columns', () => {
    const row = toRow(benchResult(['--with-month-reports'], monthReports(6)));
    expect(row.month_report_alarms).toBe('100000');
    expect([row.alarm_p99_ms, row.with_reports_alarm_p99_ms]).toEqual(['210.00', '330.00']);
    expect([row.with_reports_alarm_stored_p50_ms, row.with_reports_alarm_ingest_p99_ms]).toEqual(['30.00', '40.00']);
    expect([row.with_reports_reports_made, row.with_reports_pdfs_made, row.with_reports_failed]).toEqual([
      '6',
      '6',
      '0',
    ]);
    expect([row.with_reports_report_p50_ms, row.month_fold_s]).toEqual(['1234', '95.0']);
  });

  it('leaves those columns empty in a plain run, with the same column names', () => {
    const plain = toRow(benchResult([], null));
    const withReports = toRow(benchResult(['--with-month-reports'], monthReports(6)));
    expect(Object.keys(plain)).toEqual(Object.keys(withReports));
    expect(plain.month_report_alarms).toBe('');
    expect(plain.with_reports_alarm_p99_ms).toBe('');
  });
});
