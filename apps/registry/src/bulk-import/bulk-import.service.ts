import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '@welfare/platform';
import { administeredMunicipality, Tenancy } from '../access/tenancy';
import { constraintViolation } from '../common/registry-errors';
import { IssuedSecret, issueDeviceSecret } from '../devices/device-secret';
import { DevicesService } from '../devices/devices.service';
import { HomeCareTeam } from '../home-care-teams/home-care-team.entity';
import { Municipality } from '../municipalities/municipality.entity';
import { RegistryChanges } from '../outbox/registry-changes';
import { ResidentsService } from '../residents/residents.service';
import { CsvSyntaxError, parseCsv } from './csv';
import { checkRow, headerProblems, ImportRow, RowCheck } from './import-row';

export const IMPORT_MODES = ['all-or-nothing', 'skip-bad-rows'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export const MAX_IMPORT_ROWS = 10_000;

export interface RowError {
  line: number;
  reason: string;
}

export interface CreatedRow {
  line: number;
  residentId: string;
  deviceId: string;
  /** The device's MQTT secret, shown in this answer only. */
  secret: string;
}

export interface ImportReport {
  mode: ImportMode;
  rows: number;
  applied: number;
  /** True when nothing was written because a row was bad and the mode was all-or-nothing. */
  rolledBack: boolean;
  errors: RowError[];
  created: CreatedRow[];
}

/** Rows handled so far, for a progress bar. */
export type ImportProgress = (done: number, total: number) => void;

/** Thrown inside the transaction to roll back every row already applied. */
class RollBack extends Error {}

/**
 * Bulk onboarding from CSV. Every row is checked with the API's rules, then applied in one
 * transaction, each row under a savepoint: a row the database refuses (a duplicate device id,
 * say) is undone alone. In all-or-nothing mode one bad row rolls the whole transaction back;
 * in skip-bad-rows mode the good rows commit. Either way every bad row is reported by line.
 */
@Injectable()
export class BulkImportService {
  private readonly logger = new Logger(BulkImportService.name);

  constructor(
    private readonly changes: RegistryChanges,
    private readonly residents: ResidentsService,
    private readonly devices: DevicesService,
  ) {}

  /** Rows may only name the municipality the caller administers; a row naming another one is a bad row. */
  async import(
    tenancy: Tenancy,
    csv: string,
    mode: ImportMode,
    progress: ImportProgress = () => {},
  ): Promise<ImportReport> {
    const municipalityId = administeredMunicipality(tenancy);
    const checks = this.checkFile(csv);
    const errors: RowError[] = checks.filter((check) => !check.ok).map(({ line, reason }) => ({ line, reason }));
    const good = withoutDuplicates(
      checks.filter((check) => check.ok).map((check) => check.row),
      errors,
    );
    // Hashing is the slow part: start every row's at once (Node's thread pool runs a few at a time).
    const secrets = good.map(() => issueDeviceSecret());
    let done = checks.length - good.length;
    progress(done, checks.length);
    const created: CreatedRow[] = [];
    try {
      await this.changes.run(async (manager, at) => {
        const lookups = new Lookups(manager, municipalityId);
        for (const [index, row] of good.entries()) {
          const outcome = await this.applyRow(manager, lookups, row, await secrets[index], at);
          if ('reason' in outcome) errors.push(outcome);
          else created.push(outcome);
          progress(++done, checks.length);
        }
        if (mode === 'all-or-nothing' && errors.length > 0) throw new RollBack();
      });
    } catch (error) {
      if (!(error instanceof RollBack)) throw error;
    }
    errors.sort((a, b) => a.line - b.line);
    const rolledBack = mode === 'all-or-nothing' && errors.length > 0;
    this.logger.log(
      { mode, rows: checks.length, applied: rolledBack ? 0 : created.length, bad: errors.length },
      'bulk import',
    );
    return {
      mode,
      rows: checks.length,
      applied: rolledBack ? 0 : created.length,
      rolledBack,
      errors,
      created: rolledBack ? [] : created,
    };
  }

  /** Parses and checks every row; a file that cannot be read as a whole is refused with 400. */
  private checkFile(csv: string): RowCheck[] {
    let parsed: ReturnType<typeof parseCsv>;
    try {
      parsed = parseCsv(csv);
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new BadRequestException(`the file is not valid CSV: ${error.message}`);
      throw error;
    }
    const problems = headerProblems(parsed.header);
    if (problems.length > 0) throw new BadRequestException(`line 1 (header): ${problems.join('; ')}`);
    if (parsed.rows.length > MAX_IMPORT_ROWS)
      throw new BadRequestException(`the file has ${parsed.rows.length} rows; at most ${MAX_IMPORT_ROWS} per import`);
    return parsed.rows.map((row) => checkRow(parsed.header, row));
  }

  private async applyRow(
    manager: EntityManager,
    lookups: Lookups,
    row: ImportRow,
    issued: IssuedSecret,
    at: Date,
  ): Promise<CreatedRow | RowError> {
    await manager.query('SAVEPOINT import_row');
    try {
      const municipality = await lookups.municipality(row.municipalityNumber);
      const team = row.homeCareTeamName === null ? null : await lookups.team(municipality.id, row.homeCareTeamName);
      const resident = await this.residents.createIn(
        manager,
        { ...row.resident, municipalityId: municipality.id, homeCareTeamId: team?.id ?? null },
        at,
      );
      const device = await this.devices.createActiveIn(manager, row.device, resident, issued, at);
      await manager.query('RELEASE SAVEPOINT import_row');
      return { line: row.line, residentId: resident.id, deviceId: device.id, secret: issued.secret };
    } catch (error) {
      const refusal = error instanceof DomainError ? error : constraintViolation(error);
      if (!refusal) throw error;
      await manager.query('ROLLBACK TO SAVEPOINT import_row');
      return { line: row.line, reason: refusal.message };
    }
  }
}

/** A device id or serial number twice in one file: the later rows are bad, naming the first. */
function withoutDuplicates(rows: ImportRow[], errors: RowError[]): ImportRow[] {
  const firstLine = new Map<string, number>();
  return rows.filter((row) => {
    for (const key of [`device_id ${row.device.id}`, `serial_number ${row.device.serialNumber}`]) {
      const earlier = firstLine.get(key);
      if (earlier !== undefined) {
        errors.push({ line: row.line, reason: `${key} is also on line ${earlier}` });
        return false;
      }
    }
    firstLine.set(`device_id ${row.device.id}`, row.line);
    firstLine.set(`serial_number ${row.device.serialNumber}`, row.line);
    return true;
  });
}

/** Municipalities by number (only the administered one is found) and teams by name, read once per import. */
class Lookups {
  private readonly municipalities = new Map<string, Municipality | null>();
  private readonly teams = new Map<string, HomeCareTeam | null>();

  constructor(
    private readonly manager: EntityManager,
    private readonly administeredMunicipalityId: string,
  ) {}

  async municipality(number: string): Promise<Municipality> {
    if (!this.municipalities.has(number)) {
      this.municipalities.set(
        number,
        await this.manager.findOneBy(Municipality, { number, id: this.administeredMunicipalityId }),
      );
    }
    const found = this.municipalities.get(number);
    if (!found)
      throw new DomainError(
        'not_found',
        'municipality_not_found',
        `no municipality with number ${number} among those you administer`,
      );
    return found;
  }

  async team(municipalityId: string, name: string): Promise<HomeCareTeam> {
    const key = `${municipalityId}/${name}`;
    if (!this.teams.has(key)) this.teams.set(key, await this.manager.findOneBy(HomeCareTeam, { municipalityId, name }));
    const found = this.teams.get(key);
    if (!found)
      throw new DomainError(
        'not_found',
        'home_care_team_not_found',
        `the municipality has no home-care team named "${name}"`,
      );
    return found;
  }
}
