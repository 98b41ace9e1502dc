import { DomainError } from '@welfare/platform';

export type RegistryEntityKind = 'response_centre' | 'municipality' | 'home_care_team' | 'resident' | 'device';

export function notFound(kind: RegistryEntityKind, id: string): DomainError {
  return new DomainError('not_found', `${kind}_not_found`, `no ${kind.replace(/_/g, ' ')} with id ${id}`, {
    [`${camel(kind)}Id`]: id,
  });
}

export function conflict(code: string, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('conflict', code, message, details);
}

/** What each unique constraint means to the caller. */
const UNIQUE_MESSAGES: Record<string, string> = {
  response_centres_name_unique: 'a response centre with this name exists',
  municipalities_number_unique: 'a municipality with this number exists',
  home_care_teams_name_unique: 'the municipality has a home-care team with this name',
  devices_pkey: 'a device with this id exists',
  devices_serial_number_unique: 'a device with this serial number exists',
  devices_scaip_identity_unique: 'a device with this SCAIP controller id (and sub-device id) exists',
};

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/**
 * The database is the last word on uniqueness and references (two admins, or an import and an
 * admin, can race past the service's own checks): its refusals become 409s that say why.
 */
export function constraintViolation(error: unknown): DomainError | null {
  const pg = ((error as { driverError?: PgError } | null)?.driverError ?? error) as PgError | null;
  if (!pg || typeof pg !== 'object') return null;
  if (pg.code === '23505') {
    const message = UNIQUE_MESSAGES[pg.constraint ?? ''] ?? 'a record with these values exists';
    return conflict('already_exists', message, { constraint: pg.constraint });
  }
  if (pg.code === '23503') {
    const stillUsed = /still referenced/.test(pg.detail ?? '');
    const message = stillUsed ? 'it is still in use' : 'a record it refers to does not exist';
    return conflict(
      stillUsed ? 'still_referenced' : 'missing_reference',
      `${message} (${pg.detail ?? pg.constraint})`,
      { constraint: pg.constraint },
    );
  }
  return null;
}

function camel(kind: string): string {
  return kind.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
