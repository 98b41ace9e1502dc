import PDFDocument from 'pdfkit';
import type { Report } from './reports.service';
import type { Share, Spread } from './report-figures';
import { REPORT_TEXTS as T } from './report-texts';

const MARGIN = 50;
/** The PDF is for reading: past this many follow-up alarms it says how many more there are; the CSV and the API list all. */
const PDF_FOLLOW_UP_LIMIT = 300;
const WIDTH = 595.28 - 2 * MARGIN; // A4
const INK = '#1b1f24';
const MUTED = '#5b6470';
const BAR = '#2563eb';
const TARGET = '#dc2626';

/**
 * The monthly report as a PDF: figures, their explanations, and charts drawn with pdfkit's own
 * vector paths. It is drawn in the report worker (report-worker.ts), not on the alarm path's
 * event loop; pdfkit lays out synchronously, and the turns between sections (`breath`) let the
 * worker take up another report's database answer meanwhile.
 */
export async function reportPdf(report: Report, madeAt: Date): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `${T.title} ${report.figures.period.label}` },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  await firstPage(doc, report, madeAt);
  doc.addPage();
  await secondPage(doc, report);
  doc.end();
  return done;
}

async function firstPage(doc: PDFKit.PDFDocument, report: Report, madeAt: Date): Promise<void> {
  const f = report.figures;
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(20).text(`${T.title}: ${report.subject.name}`);
  doc.font('Helvetica').fontSize(10).fillColor(MUTED);
  doc.text(
    `${T.period}: ${f.period.label}   ·   ${T.alarms}: ${f.alarms}   ·   ${T.made}: ${madeAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  );
  doc.moveDown();

  await breath();
  heading(doc, T.section.answer, T.explain.answer + ' ' + T.explain.fromPress);
  figures(doc, [
    ...spreadFigures(f.timeToAnswer),
    [T.figure.within60s, percent(f.timeToAnswer.within60s)],
    [T.figure.within180s, percent(f.timeToAnswer.within180s)],
    [T.figure.notAnswered, String(f.timeToAnswer.notAnswered)],
    [T.figure.fromPressMedian, secondsText(f.timeToAnswer.fromPress.medianSeconds)],
  ]);
  shareBars(doc, [
    ['innen 60 s', f.timeToAnswer.within60s, 97.5],
    ['innen 180 s', f.timeToAnswer.within180s, 99],
  ]);

  await breath();
  heading(doc, T.section.onSite, T.explain.onSite);
  figures(doc, [
    ...spreadFigures(f.timeToHelpOnSite),
    [T.figure.within30min, percent(f.timeToHelpOnSite.within30min)],
    [T.figure.within45min, percent(f.timeToHelpOnSite.within45min)],
    [T.figure.within60min, percent(f.timeToHelpOnSite.within60min)],
  ]);
  shareBars(doc, [
    ['innen 30 min', f.timeToHelpOnSite.within30min, null],
    ['innen 45 min', f.timeToHelpOnSite.within45min, 90],
    ['innen 60 min', f.timeToHelpOnSite.within60min, 100],
  ]);

  await breath();
  heading(doc, T.section.dispatches, T.explain.dispatches);
  figures(doc, [
    [T.figure.alarmsDispatched, String(f.dispatches.alarmsDispatched)],
    [T.figure.acceptMedian, secondsText(f.dispatches.timeToAccept.medianSeconds)],
    [T.figure.acceptP90, secondsText(f.dispatches.timeToAccept.p90Seconds)],
    [
      `${T.figure.declined} / ${T.figure.expired} / ${T.figure.unanswered}`,
      `${f.dispatches.declined} / ${f.dispatches.expired} / ${f.dispatches.unanswered}`,
    ],
  ]);
}

async function secondPage(doc: PDFKit.PDFDocument, report: Report): Promise<void> {
  const f = report.figures;
  await breath();
  heading(doc, T.section.volumes, T.explain.volumes);
  countBars(
    doc,
    T.byTrigger,
    Object.entries(f.volumes.byTrigger).map(([key, n]) => [T.triggers[key] ?? key, n]),
  );
  countBars(
    doc,
    T.byOutcome,
    Object.entries(f.volumes.byOutcome).map(([key, n]) => [T.outcomes[key] ?? key, n]),
  );
  figures(doc, [
    [T.figure.falseAlarms, percent(f.volumes.falseAlarms)],
    [
      T.byPriority,
      Object.entries(f.volumes.byPriority)
        .map(([key, n]) => `${key}: ${n}`)
        .join(',  ') || '-',
    ],
    [
      T.figure.alarmsEscalated,
      `${f.escalations.alarmsEscalated} (${T.figure.escalations.toLowerCase()}: ${f.escalations.escalations})`,
    ],
  ]);

  await breath();
  heading(doc, T.section.heatmap, T.explain.heatmap);
  heatmap(doc, f.volumes.byWeekdayHour);

  await breath();
  heading(doc, T.section.technical, T.explain.technical);
  figures(doc, [
    [T.figure.batteryLow, String(f.technical.batteryLow)],
    [T.figure.powerLost, String(f.technical.powerLost)],
    [T.figure.deviceSilent, String(f.technical.deviceSilent)],
    [T.figure.fleetSilent, String(f.technical.fleetSilent)],
    [T.figure.devicesSilentNow, String(f.technical.devicesSilentNow)],
    [T.figure.deviceHoursHeard, percent(f.technical.deviceHoursHeard)],
  ]);

  await breath();
  heading(doc, T.section.followUp, '');
  if (f.followUp.length === 0) doc.font('Helvetica').fontSize(9).fillColor(INK).text(T.noneToFollowUp);
  for (const alarm of f.followUp.slice(0, PDF_FOLLOW_UP_LIMIT)) {
    if (doc.y > 780) {
      doc.addPage();
      await breath();
    }
    doc.font('Helvetica').fontSize(8).fillColor(INK);
    doc.text(
      `${alarm.alarmId}   ${alarm.openedAt.slice(0, 19).replace('T', ' ')} UTC   ${T.priority} ${alarm.priority}   ${secondsText(alarm.answerSeconds)} s`,
    );
  }
  if (f.followUp.length > PDF_FOLLOW_UP_LIMIT)
    doc
      .moveDown(0.3)
      .font('Helvetica-Bold')
      .fontSize(9)
      .text(T.moreToFollowUp(f.followUp.length - PDF_FOLLOW_UP_LIMIT));
}

/** One turn of the (worker's) event loop for whatever waits. */
function breath(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function heading(doc: PDFKit.PDFDocument, title: string, explanation: string): void {
  if (doc.y > 700) doc.addPage();
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).fillColor(INK).text(title, MARGIN);
  if (explanation) doc.font('Helvetica').fontSize(8.5).fillColor(MUTED).text(explanation, { width: WIDTH });
  doc.moveDown(0.3);
}

function figures(doc: PDFKit.PDFDocument, rows: [string, string][]): void {
  doc.fontSize(10).fillColor(INK);
  for (const [label, value] of rows) {
    const y = doc.y;
    doc.font('Helvetica').text(label, MARGIN, y, { width: 320 });
    doc.font('Helvetica-Bold').text(value, MARGIN + 330, y, { width: WIDTH - 330 });
    doc.moveDown(0.15);
  }
  doc.x = MARGIN;
}

/** Horizontal bars of shares (0-100 %), each with its target drawn as a red line. */
function shareBars(doc: PDFKit.PDFDocument, bars: [string, Share, number | null][]): void {
  const left = MARGIN + 75;
  const width = WIDTH - 200;
  let y = doc.y + 4;
  for (const [label, share, target] of bars) {
    doc
      .font('Helvetica')
      .fontSize(9)
      .fillColor(INK)
      .text(label, MARGIN, y + 2, { width: 65 });
    doc.rect(left, y, width, 12).fillColor('#e5e7eb').fill();
    if (share.percent !== null)
      doc
        .rect(left, y, (width * share.percent) / 100, 12)
        .fillColor(BAR)
        .fill();
    if (target !== null)
      doc
        .moveTo(left + (width * target) / 100, y - 2)
        .lineTo(left + (width * target) / 100, y + 14)
        .lineWidth(1.5)
        .strokeColor(TARGET)
        .stroke();
    doc.fillColor(INK).text(percent(share), left + width + 6, y + 2, { width: 120 });
    y += 18;
  }
  doc.x = MARGIN;
  doc.y = y + 2;
}

function countBars(doc: PDFKit.PDFDocument, title: string, bars: [string, number][]): void {
  doc.font('Helvetica-Bold').fontSize(10).fillColor(INK).text(title, MARGIN);
  const most = Math.max(1, ...bars.map(([, n]) => n));
  const left = MARGIN + 150;
  const width = WIDTH - 200;
  let y = doc.y + 3;
  for (const [label, n] of bars) {
    doc
      .font('Helvetica')
      .fontSize(9)
      .fillColor(INK)
      .text(label, MARGIN, y + 1, { width: 145 });
    doc
      .rect(left, y, Math.max(1, (width * n) / most), 11)
      .fillColor(BAR)
      .fill();
    doc.fillColor(INK).text(String(n), left + (width * n) / most + 5, y + 1, { width: 45 });
    y += 15;
  }
  doc.x = MARGIN;
  doc.y = y + 4;
}

/** Weekdays down, hours across; the more alarms, the darker the cell, with the count written in. */
function heatmap(doc: PDFKit.PDFDocument, grid: number[][]): void {
  const most = Math.max(1, ...grid.flat());
  const left = MARGIN + 30;
  const cell = (WIDTH - 30) / 24;
  let y = doc.y + 2;
  doc.font('Helvetica').fontSize(7).fillColor(MUTED);
  for (let hour = 0; hour < 24; hour++)
    doc.text(String(hour).padStart(2, '0'), left + hour * cell, y, { width: cell, align: 'center' });
  y += 10;
  grid.forEach((hours, day) => {
    doc
      .fontSize(8)
      .fillColor(INK)
      .text(T.weekdays[day], MARGIN, y + 4, { width: 28 });
    hours.forEach((n, hour) => {
      const strength = n / most;
      // The cell's transparency stays inside save/restore, so labels and counts are drawn opaque.
      doc.save();
      doc
        .rect(left + hour * cell, y, cell - 1, 16)
        .fillColor(BAR, n === 0 ? 0.06 : 0.15 + 0.85 * strength)
        .fill();
      doc.restore();
      if (n > 0)
        doc
          .fillColor(strength > 0.5 ? '#ffffff' : INK, 1)
          .fontSize(6.5)
          .text(String(n), left + hour * cell, y + 5, { width: cell - 1, align: 'center' });
    });
    y += 17;
  });
  doc.x = MARGIN;
  doc.y = y + 4;
}

function spreadFigures(spread: Spread): [string, string][] {
  return [
    [T.figure.count, String(spread.count)],
    [T.figure.median, secondsText(spread.medianSeconds)],
    [T.figure.p90, secondsText(spread.p90Seconds)],
  ];
}

function percent(share: Share): string {
  return share.percent === null ? '-' : `${String(share.percent).replace('.', ',')} %  (${share.count} av ${share.of})`;
}

function secondsText(value: number | null): string {
  return value === null ? '-' : String(Math.round(value * 1000) / 1000).replace('.', ',');
}
