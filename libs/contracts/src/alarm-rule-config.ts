import Ajv from 'ajv';

/**
 * Alarm rules a municipality sets for its residents (defaults) and for one resident (their
 * own). A resident's field left out takes the municipality's default; set to null it is off
 * for that resident. Safe zones are the resident's own only.
 */

/** Local wall-clock times "HH:MM" (24 h); the window may run across midnight (23:00-06:00). */
export interface NightWindow {
  start: string;
  end: string;
}

export interface GeoPoint {
  lat: number;
  lon: number;
}

export type SafeZone =
  | { kind: 'circle'; name: string; center: GeoPoint; radiusMeters: number }
  | { kind: 'polygon'; name: string; points: GeoPoint[] };

export interface ResidentAlarmRules {
  /** door.opened inside it opens a priority-2 alarm. */
  doorNightWindow?: NightWindow | null;
  /** A door open longer than this opens a priority-2 alarm; door.closed ends the watch. */
  doorOpenLimitMinutes?: number | null;
  /** Leaving every zone opens a priority-2 alarm. No zones: no GPS alarms. */
  safeZones?: SafeZone[];
}

export interface MunicipalityAlarmRuleDefaults {
  doorNightWindow?: NightWindow | null;
  doorOpenLimitMinutes?: number | null;
}

/** What applies to a resident once their own rules and their municipality's defaults are combined. */
export interface EffectiveAlarmRules {
  doorNightWindow: NightWindow | null;
  doorOpenLimitMinutes: number | null;
  safeZones: SafeZone[];
}

export function effectiveAlarmRules(
  own: ResidentAlarmRules | null,
  defaults: MunicipalityAlarmRuleDefaults | null,
): EffectiveAlarmRules {
  const pick = <K extends keyof MunicipalityAlarmRuleDefaults>(key: K) =>
    (own && own[key] !== undefined ? own[key] : defaults?.[key]) ?? null;
  return {
    doorNightWindow: pick('doorNightWindow'),
    doorOpenLimitMinutes: pick('doorOpenLimitMinutes'),
    safeZones: own?.safeZones ?? [],
  };
}

export const CLOCK_TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
export const MAX_DOOR_OPEN_LIMIT_MINUTES = 24 * 60;
export const MAX_SAFE_ZONES = 20;
export const MAX_POLYGON_POINTS = 200;

const point = {
  type: 'object',
  required: ['lat', 'lon'],
  additionalProperties: false,
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
  },
};
const nightWindow = {
  type: ['object', 'null'],
  required: ['start', 'end'],
  additionalProperties: false,
  properties: {
    start: { type: 'string', pattern: CLOCK_TIME_PATTERN },
    end: { type: 'string', pattern: CLOCK_TIME_PATTERN },
  },
};
const doorOpenLimit = { type: ['integer', 'null'], minimum: 1, maximum: MAX_DOOR_OPEN_LIMIT_MINUTES };
const name = { type: 'string', minLength: 1, maxLength: 100 };
const safeZone = {
  oneOf: [
    {
      type: 'object',
      required: ['kind', 'name', 'center', 'radiusMeters'],
      additionalProperties: false,
      properties: {
        kind: { const: 'circle' },
        name,
        center: point,
        radiusMeters: { type: 'number', exclusiveMinimum: 0, maximum: 100000 },
      },
    },
    {
      type: 'object',
      required: ['kind', 'name', 'points'],
      additionalProperties: false,
      properties: {
        kind: { const: 'polygon' },
        name,
        points: { type: 'array', minItems: 3, maxItems: MAX_POLYGON_POINTS, items: point },
      },
    },
  ],
};

export const residentAlarmRulesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    doorNightWindow: nightWindow,
    doorOpenLimitMinutes: doorOpenLimit,
    safeZones: { type: 'array', maxItems: MAX_SAFE_ZONES, items: safeZone },
  },
};

export const municipalityAlarmRuleDefaultsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { doorNightWindow: nightWindow, doorOpenLimitMinutes: doorOpenLimit },
};

const ajv = new Ajv({ allErrors: false, strict: false });
const validateResidentRules = ajv.compile(residentAlarmRulesSchema);
const validateDefaults = ajv.compile(municipalityAlarmRuleDefaultsSchema);

function problem(validate: ReturnType<typeof ajv.compile>, value: unknown, label: string): string | null {
  if (validate(value)) return null;
  const error = validate.errors?.[0];
  return `${label}${error?.instancePath ?? ''} ${error?.message ?? 'is invalid'}`;
}

/** Null when the rules are valid; otherwise a sentence naming the first problem. */
export function residentAlarmRulesProblem(value: unknown): string | null {
  return problem(validateResidentRules, value, 'alarmRules');
}

export function municipalityAlarmRuleDefaultsProblem(value: unknown): string | null {
  return problem(validateDefaults, value, 'alarmRuleDefaults');
}
