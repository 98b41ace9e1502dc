import { OmitType } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { CreateDeviceDto } from '../devices/dto/device.dto';
import { ContactDto, CreateResidentDto, MAX_CONTACTS } from '../residents/dto/resident.dto';
import type { CsvRow } from './csv';

/** The resident's own fields; municipality and team are named in the file and looked up. */
class ImportedResidentDto extends OmitType(CreateResidentDto, ['municipalityId', 'homeCareTeamId'] as const) {}

const CONTACT_COLUMNS = Array.from({ length: 3 }, (_, i) => [
  `contact${i + 1}_name`,
  `contact${i + 1}_phone`,
  `contact${i + 1}_relation`,
]).flat();

/**
 * The columns of a bulk-import file, in any order (header names, case-insensitive). One row is
 * one resident with one device, onboarded at once. Required columns must be present and filled.
 */
export const IMPORT_COLUMNS = {
  required: ['municipality_number', 'resident_name', 'address', 'device_id', 'serial_number', 'device_kind'],
  optional: [
    'home_care_team',
    'key_box',
    'door_code_hint',
    'access_note',
    'care_note',
    'heartbeat_interval_seconds',
    ...CONTACT_COLUMNS,
  ],
} as const;

export interface ImportRow {
  line: number;
  municipalityNumber: string;
  homeCareTeamName: string | null;
  resident: ImportedResidentDto;
  device: CreateDeviceDto;
}

export type RowCheck = { ok: true; row: ImportRow } | { ok: false; line: number; reason: string };

/** Problems with the header itself refuse the whole file: no row can be read without it. */
export function headerProblems(header: string[]): string[] {
  const known = new Set<string>([...IMPORT_COLUMNS.required, ...IMPORT_COLUMNS.optional]);
  const missing = IMPORT_COLUMNS.required.filter((column) => !header.includes(column));
  const unknown = header.filter((column) => !known.has(column));
  const repeated = header.filter((column, index) => header.indexOf(column) !== index);
  return [
    ...(missing.length ? [`missing columns: ${missing.join(', ')}`] : []),
    ...(unknown.length ? [`unknown columns: ${unknown.join(', ')}`] : []),
    ...(repeated.length ? [`repeated columns: ${repeated.join(', ')}`] : []),
  ];
}

/** Checks a row on its own, with the same rules as the API; references are checked when it is applied. */
export function checkRow(header: string[], csvRow: CsvRow): RowCheck {
  if (csvRow.cells.length !== header.length) {
    return {
      ok: false,
      line: csvRow.line,
      reason: `has ${csvRow.cells.length} fields; the header has ${header.length}`,
    };
  }
  const value = cellReader(header, csvRow.cells);
  const resident = plainToInstance(ImportedResidentDto, {
    name: value('resident_name'),
    address: value('address'),
    keyBox: value('key_box'),
    doorCodeHint: value('door_code_hint'),
    accessNote: value('access_note'),
    careNote: value('care_note'),
    contacts: contacts(value),
  });
  const device = plainToInstance(CreateDeviceDto, {
    id: value('device_id'),
    serialNumber: value('serial_number'),
    kind: value('device_kind'),
    heartbeatIntervalSeconds: value('heartbeat_interval_seconds'),
  });
  const municipalityNumber = value('municipality_number') ?? '';
  const problems = [
    ...(/^[0-9]{4}$/.test(municipalityNumber)
      ? []
      : ['municipality_number must be the four-digit municipality number']),
    ...messages(validateSync(resident, { whitelist: true, forbidNonWhitelisted: true })),
    ...messages(validateSync(device, { whitelist: true, forbidNonWhitelisted: true })),
  ];
  if (problems.length > 0) return { ok: false, line: csvRow.line, reason: problems.join('; ') };
  return {
    ok: true,
    row: { line: csvRow.line, municipalityNumber, homeCareTeamName: value('home_care_team') ?? null, resident, device },
  };
}

/** Empty cells are absent values (the DTO's own rules then say whether that is allowed). */
function cellReader(header: string[], cells: string[]): (column: string) => string | undefined {
  return (column) => {
    const index = header.indexOf(column);
    const text = index < 0 ? '' : cells[index].trim();
    return text === '' ? undefined : text;
  };
}

function contacts(value: (column: string) => string | undefined): Partial<ContactDto>[] {
  const found: Partial<ContactDto>[] = [];
  for (let n = 1; n <= Math.min(3, MAX_CONTACTS); n++) {
    const contact = {
      name: value(`contact${n}_name`),
      phone: value(`contact${n}_phone`),
      relation: value(`contact${n}_relation`),
    };
    if (contact.name || contact.phone || contact.relation) found.push(contact);
  }
  return found;
}

function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) => `${prefix}${message}`),
    ...messages(error.children ?? [], `${prefix}${error.property}.`),
  ]);
}
