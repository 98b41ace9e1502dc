import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Actor, hasRole } from '@welfare/access';
import { DomainError } from '@welfare/platform';
import { DataSource } from 'typeorm';
import { ReportFactsRepository, type ReportSubject } from './report-facts.repository';
import { reportFigures, type ReportFigures } from './report-figures';
import { parsePeriod, type ReportPeriod } from './report-period';
import { ReportProjectionService } from './report-projection.service';

/** A report with the name of what it covers (a municipality's name, or the centre). */
export interface Report {
  subject: { kind: 'municipality' | 'centre'; id: string; name: string };
  figures: ReportFigures;
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
    private readonly facts: ReportFactsRepository,
  ) {}

  async forMunicipality(actor: Actor, municipalityId: string, periodLabel: string): Promise<Report> {
    const period = periodOf(periodLabel);
    const municipality = await this.municipality(municipalityId);
    const subject = municipalitySubject(actor, municipalityId, municipality?.responseCentreId ?? null);
    return {
      subject: { kind: 'municipality', id: municipalityId, name: municipality?.name ?? municipalityId },
      figures: await this.figures(subject, period),
    };
  }

  async forCentre(actor: Actor, centreId: string, periodLabel: string): Promise<Report> {
    const period = periodOf(periodLabel);
    if (!hasRole(actor, 'supervisor') || actor.responseCentreId !== centreId) throw notFound('centre', centreId);
    return {
      subject: { kind: 'centre', id: centreId, name: 'Hele sentralen' },
      figures: await this.figures({ responseCentreId: centreId }, period),
    };
  }

  private async figures(subject: ReportSubject, period: ReportPeriod): Promise<ReportFigures> {
    // Fold what the log holds so far first: a report never misses a step committed before it was asked for.
    await this.projection.catchUp();
    const facts = await this.facts.factsFor(subject, period.from, period.to);
    return reportFigures(period, facts);
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
