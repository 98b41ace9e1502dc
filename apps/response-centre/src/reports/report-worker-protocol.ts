import type { ReportSubject } from './report-facts-query';
import type { ReportPeriod } from './report-period';
import type { Report } from './reports.service';

/** The worker's database connection's application_name (the benchmark tells its backend's CPU apart by it). */
export const REPORT_WORKER_APPLICATION_NAME = 'response-centre-reports';

/** The nice value the worker gives its thread on Linux (the benchmark finds the thread by it). */
export const REPORT_WORKER_NICE = 10;

/** What the response centre asks the report worker for: a report's figures, or the report as a file. */
export interface ReportJob {
  id: number;
  subject: Report['subject'];
  facts: ReportSubject;
  period: ReportPeriod;
  output: 'figures' | 'csv' | 'pdf';
  /** The PDF's "made at" (the service's clock, which tests set). */
  madeAt: Date;
}

/** The worker's answer: the report (figures), or the file's bytes; or why it could not. */
export type ReportAnswer =
  { id: number; report: Report } | { id: number; file: Uint8Array } | { id: number; error: string };

/** Given to the worker when it starts. */
export interface ReportWorkerData {
  databaseUrl: string;
}
