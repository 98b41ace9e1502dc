import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Actor, hasRole } from '@welfare/access';
import { Clock, DomainError } from '@welfare/platform';
import { DataSource } from 'typeorm';
import type { ReportSubject } from './report-facts-query';
import type { ReportFigures } from './report-figures';
import { parsePeriod, type ReportPeriod } from './report-period';
import { ReportProjectionService } from './report-projection.service';
import { ReportWorkers } from './report-workers';
import { DeviceHeardHoursService } from './device-heard-hours.service';

/** A report with the name of what it covers (a municipality's name, or the centre). */
export interface Report {
  subject: { kind: 'municipality' | 'centre'; id: string; name: string };
  figures: ReportFigures;
}

/** A report as a file to download: what it covers, its period, and the bytes. */
export interface ReportFile {
  subject: Report['subject'];
  periodLabel: string;
  body: Buffer;
}

/**
 * Reports are aggregates from the read model, fenced here: a supervisor gets their own centre and
 * the alarms it handled for each municipality; a municipality administrator their own municipality
 * only. Another tenant's report is "not found", whatever its id.
 */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly projection: ReportProjectionService,
    private readonly workers: ReportWorkers,
    private readonly heardHours: DeviceHeardHoursService,
    private readonly clock: Clock,
  ) {}

  async forMunicipality(actor: Actor, municipalityId: string, periodLabel: string): Promise<Report> {
    const answer = await this.run(await this.municipalityJob(actor, municipalityId, periodLabel), 'figures');
    if (!('report' in answer)) throw new Error('the report worker answered figures with a file');
    return answer.report;
  }

  /** The municipality's report as CSV or PDF, rendered by the report worker; `madeAt` is printed in the PDF. */
  async municipalityFile(
    actor: Actor,
    municipalityId: string,
    periodLabel: string,
    format: 'csv' | 'pdf',
    madeAt: Date,
  ): Promise<ReportFile> {
    const job = await this.municipalityJob(actor, municipalityId, periodLabel);
    const answer = await this.run(job, format, madeAt);
    if (!('file' in answer)) throw new Error(`the report worker answered a ${format} without a file`);
    // A Buffer crosses the thread as a plain Uint8Array: the same bytes, viewed as a Buffer again.
    const body = Buffer.from(answer.file.buffer, answer.file.byteOffset, answer.file.byteLength);
    return { subject: job.subject, periodLabel: job.period.label, body };
  }

  async forCentre(actor: Actor, centreId: string, periodLabel: string): Promise<Report> {
    const period = periodOf(periodLabel);
    if (!hasRole(actor, 'supervisor') || actor.responseCentreId !== centreId) throw notFound('centre', centreId);
    const subject = { kind: 'centre' as const, id: centreId, name: 'Hele sentralen' };
    const answer = await this.run({ subject, facts: { responseCentreId: centreId }, period }, 'figures');
    if (!('report' in answer)) throw new Error('the report worker answered figures with a file');
    return answer.report;
  }

  private async municipalityJob(actor: Actor, municipalityId: string, periodLabel: string): Promise<ReportRequest> {
    const period = periodOf(periodLabel);
    const municipality = await this.municipality(municipalityId);
    const facts = municipalitySubject(actor, municipalityId, municipality?.responseCentreId ?? null);
    return {
      subject: { kind: 'municipality', id: municipalityId, name: municipality?.name ?? municipalityId },
      facts,
      period,
    };
  }

  /**
   * Fencing and the fold stay here; reading the facts, the figures and any file are the worker's
   * (report-workers.ts), off the event loop that takes alarms in.
   */
  private async run(request: ReportRequest, output: 'figures' | 'csv' | 'pdf', madeAt = this.clock.now()) {
    // Fold what the log and the device history hold so far first: a report never misses a step committed before it was asked for.
    await Promise.all([this.projection.catchUp(), this.heardHours.catchUp()]);
    return this.workers.run({ ...request, output, madeAt });
  }

  /** The municipality as the registry's view has it: its name, and the centre that serves it. */
  private async municipality(municipalityId: string): Promise<{ name: string; responseCentreId: string } | null> {
    const [row]: { name: string; response_centre_id: string }[] = await this.dataSource.query(
      `SELECT name, response_centre_id FROM registry_municipalities WHERE municipality_id = $1 AND NOT deleted`,
      [municipalityId],
    );
    return row ? { name: row.name, responseCentreId: row.response_centre_id } : null;
  }
}

interface ReportRequest {
  subject: Report['subject'];
  facts: ReportSubject;
  period: ReportPeriod;
}

function periodOf(label: string): ReportPeriod {
  try {
    return parsePeriod(label);
  } catch (error) {
    throw new DomainError('invalid', 'report.period', (error as Error).message);
  }
}

/**
 * A municipality administrator: their own municipality's alarms. A supervisor: a municipality their
 * centre serves, and of it only the alarms their centre handled (one that moved to this centre
 * brings none of the previous centre's work).
 */
function municipalitySubject(actor: Actor, municipalityId: string, servedBy: string | null): ReportSubject {
  if (hasRole(actor, 'municipality-admin') && actor.municipalityId === municipalityId) return { municipalityId };
  if (hasRole(actor, 'supervisor') && actor.responseCentreId !== null && servedBy === actor.responseCentreId)
    return { municipalityId, responseCentreId: actor.responseCentreId };
  throw notFound('municipality', municipalityId);
}

function notFound(what: string, id: string): DomainError {
  return new DomainError('not_found', `report.${what}_not_found`, `no report for ${what} ${id} among yours`);
}
