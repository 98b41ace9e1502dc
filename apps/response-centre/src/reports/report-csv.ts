import { stringify } from 'csv-stringify/sync';
import type { Report } from './reports.service';
import { REPORT_TEXTS as T } from './report-texts';

const BOM = '\uFEFF';

/**
 * A report as CSV for Norwegian spreadsheets: UTF-8 with a byte-order mark (Excel then reads æøå
 * right), `;` between fields and a decimal comma, one "section;figure;value" row per figure, then
 * the heat map and the follow-up list.
 */
export function reportCsv(report: Report): string {
  const f = report.figures;
  const rows: (string | number | null)[][] = [
    ['seksjon', 'tall', 'verdi'],
    [T.title, T.period, f.period.label],
    [T.title, report.subject.kind === 'centre' ? T.centre : 'Kommune', report.subject.name],
    [T.title, T.alarms, f.alarms],
    ...spreadRows(T.section.answer, f.timeToAnswer),
    [T.section.answer, T.figure.within60s, f.timeToAnswer.within60s.percent],
    [T.section.answer, T.figure.within180s, f.timeToAnswer.within180s.percent],
    [T.section.answer, T.figure.notAnswered, f.timeToAnswer.notAnswered],
    [T.section.answer, T.figure.fromPressMedian, f.timeToAnswer.fromPress.medianSeconds],
    [T.section.answer, T.figure.fromPressP90, f.timeToAnswer.fromPress.p90Seconds],
    ...spreadRows(T.section.onSite, f.timeToHelpOnSite),
    [T.section.onSite, T.figure.within30min, f.timeToHelpOnSite.within30min.percent],
    [T.section.onSite, T.figure.within45min, f.timeToHelpOnSite.within45min.percent],
    [T.section.onSite, T.figure.within60min, f.timeToHelpOnSite.within60min.percent],
    [T.section.dispatches, T.figure.alarmsDispatched, f.dispatches.alarmsDispatched],
    [T.section.dispatches, T.figure.dispatches, f.dispatches.dispatches],
    [T.section.dispatches, T.figure.acceptMedian, f.dispatches.timeToAccept.medianSeconds],
    [T.section.dispatches, T.figure.acceptP90, f.dispatches.timeToAccept.p90Seconds],
    [T.section.dispatches, T.figure.declined, f.dispatches.declined],
    [T.section.dispatches, T.figure.expired, f.dispatches.expired],
    [T.section.dispatches, T.figure.unanswered, f.dispatches.unanswered],
    ...Object.entries(f.volumes.byTrigger).map(([key, n]) => [T.byTrigger, T.triggers[key] ?? key, n]),
    ...Object.entries(f.volumes.byPriority).map(([key, n]) => [T.byPriority, `${T.priority} ${key}`, n]),
    ...Object.entries(f.volumes.byOutcome).map(([key, n]) => [T.byOutcome, T.outcomes[key] ?? key, n]),
    [T.section.volumes, T.figure.falseAlarms, f.volumes.falseAlarms.percent],
    [T.section.escalations, T.figure.alarmsEscalated, f.escalations.alarmsEscalated],
    [T.section.escalations, T.figure.escalations, f.escalations.escalations],
    [T.section.technical, T.figure.batteryLow, f.technical.batteryLow],
    [T.section.technical, T.figure.powerLost, f.technical.powerLost],
    [T.section.technical, T.figure.deviceSilent, f.technical.deviceSilent],
    [T.section.technical, T.figure.fleetSilent, f.technical.fleetSilent],
    [T.section.technical, T.figure.devicesSilentNow, f.technical.devicesSilentNow],
    [T.section.technical, T.figure.deviceHoursHeard, f.technical.deviceHoursHeard.percent],
    [],
    [T.section.heatmap, ...Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0'))],
    ...f.volumes.byWeekdayHour.map((hours, day) => [T.weekdays[day], ...hours]),
    [],
    [T.section.followUp],
    [...T.followUpColumns],
    ...f.followUp.map((alarm) => [alarm.alarmId, alarm.openedAt, alarm.priority, alarm.answerSeconds]),
  ];
  return BOM + stringify(rows, { delimiter: ';', cast: { number: decimalComma } });
}

function spreadRows(
  section: string,
  spread: { count: number; medianSeconds: number | null; p90Seconds: number | null },
): (string | number | null)[][] {
  return [
    [section, T.figure.count, spread.count],
    [section, T.figure.median, spread.medianSeconds],
    [section, T.figure.p90, spread.p90Seconds],
  ];
}

function decimalComma(value: number): string {
  return String(value).replace('.', ',');
}
