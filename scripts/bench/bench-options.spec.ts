import { DEFAULT_MONTH_REPORT_ALARMS, parseBenchOptions } from './bench-options';

describe('parseBenchOptions: --with-month-reports', () => {
  it('leaves the month reports out of a plain run, whose phases keep their defaults', () => {
    const options = parseBenchOptions([]);
    expect(options.monthReports).toBeNull();
    expect([options.rate, options.seconds, options.saturationSeconds, options.overloadSeconds]).toEqual([
      1000, 20, 15, 20,
    ]);
  });

  it('seeds the default month with --with-month-reports', () => {
    expect(parseBenchOptions(['--with-month-reports']).monthReports).toEqual({ alarms: DEFAULT_MONTH_REPORT_ALARMS });
    expect(DEFAULT_MONTH_REPORT_ALARMS).toBe(100_000);
  });

  it('takes the month size from --month-report-alarms', () => {
    const options = parseBenchOptions(['--with-month-reports', '--month-report-alarms', '5000']);
    expect(options.monthReports).toEqual({ alarms: 5000 });
  });

  it('refuses --month-report-alarms without --with-month-reports', () => {
    expect(() => parseBenchOptions(['--month-report-alarms', '5000'])).toThrow(
      /--month-report-alarms needs --with-month-reports/,
    );
  });

  it.each(['0', '-5', '1.5', 'many'])('refuses --month-report-alarms %s', (value) => {
    expect(() => parseBenchOptions(['--with-month-reports', `--month-report-alarms=${value}`])).toThrow(
      /--month-report-alarms must be a positive integer/,
    );
  });

  it('goes with the short phases asked for', () => {
    const options = parseBenchOptions(['--with-month-reports', '--saturation-seconds', '0', '--overload-seconds', '0']);
    expect([options.saturationSeconds, options.overloadSeconds, options.monthReports]).toEqual([
      0,
      0,
      { alarms: DEFAULT_MONTH_REPORT_ALARMS },
    ]);
  });
});
