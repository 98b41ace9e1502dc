import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Rejection } from './device-message.validator';
import type { ResidentContact } from './registry-records';

/**
 * Dispatches between the response centre and home care (KafkaTopics.dispatches and
 * KafkaTopics.dispatchUpdates, both keyed by alarm id so that every record about one alarm,
 * across re-dispatches, stays in order).
 *
 * Ownership: the response centre decides to dispatch (and may withdraw); the home-care service
 * owns a dispatch's state from then on: who accepted it (one nurse wins), whether it was
 * declined, and whether it expired unaccepted at `acceptBy`. Only the home-care service decides
 * expiry, so a late accept and an expiry can never both win; the response centre keeps a
 * backstop in case the home-care service is not answering at all.
 */

/** Someone acting: the token subject and the display name from the token. */
export interface DispatchActor {
  id: string;
  name: string | null;
}

/** What a nurse needs to get in and help; copied from the registry's resident at dispatch time. */
export interface DispatchResident {
  residentId: string;
  name: string;
  address: string;
  keyBox: string | null;
  doorCodeHint: string | null;
  accessNote: string | null;
  contacts: ResidentContact[];
}

/** The response centre asks a home-care team to visit (key: alarm id). */
export interface DispatchRequestedRecord {
  v: 1;
  type: 'dispatch.requested';
  dispatchId: string;
  alarmId: string;
  homeCareTeamId: string;
  municipalityId: string;
  responseCentreId: string;
  priority: number;
  /** The alarm's trigger, e.g. alarm.button, fall.detected, door.opened. */
  triggerType: string;
  instructions: string;
  /** Null only when the registry has not (yet) told the response centre about the resident. */
  resident: DispatchResident | null;
  requestedBy: DispatchActor;
  requestedAt: string;
  /** Not accepted by then: the home-care service expires it and tells the centre. */
  acceptBy: string;
}

/** The response centre takes a dispatch back (re-dispatched elsewhere, or the alarm was closed). */
export interface DispatchWithdrawnRecord {
  v: 1;
  type: 'dispatch.withdrawn';
  dispatchId: string;
  alarmId: string;
  homeCareTeamId: string;
  reason: string;
  withdrawnBy: DispatchActor;
  withdrawnAt: string;
}

export type DispatchRecord = DispatchRequestedRecord | DispatchWithdrawnRecord;

export const DISPATCH_UPDATE_TYPES = [
  'dispatch.accepted',
  'dispatch.declined',
  'dispatch.en_route',
  'dispatch.arrived',
  'dispatch.completed',
  'dispatch.expired',
] as const;
export type DispatchUpdateType = (typeof DISPATCH_UPDATE_TYPES)[number];

/** Home care tells the centre what happened to a dispatch (key: alarm id). */
export interface DispatchUpdateRecord {
  v: 1;
  type: DispatchUpdateType;
  /** Unique per update; the centre stores each once (a redelivery changes nothing). */
  updateId: string;
  dispatchId: string;
  alarmId: string;
  homeCareTeamId: string;
  /** The nurse; for dispatch.expired the home-care service itself ({ id: 'home-care', name: null }). */
  actor: DispatchActor;
  at: string;
  /** dispatch.declined: why (required). */
  reason?: string;
  /** dispatch.completed: the short visit report (required). */
  report?: string;
}

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv, ['date-time', 'uuid']);

const uuid = { type: 'string', format: 'uuid' };
const time = { type: 'string', format: 'date-time' };
const actor = {
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    name: { type: ['string', 'null'], maxLength: 200 },
  },
};
const nullableText = { type: ['string', 'null'], maxLength: 2000 };
const resident = {
  type: ['object', 'null'],
  required: ['residentId', 'name', 'address', 'keyBox', 'doorCodeHint', 'accessNote', 'contacts'],
  properties: {
    residentId: uuid,
    name: { type: 'string' },
    address: { type: 'string' },
    keyBox: nullableText,
    doorCodeHint: nullableText,
    accessNote: nullableText,
    contacts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'phone'],
        properties: { name: { type: 'string' }, phone: { type: 'string' }, relation: { type: 'string' } },
      },
    },
  },
};

const validateRequested = ajv.compile({
  type: 'object',
  required: [
    'v',
    'type',
    'dispatchId',
    'alarmId',
    'homeCareTeamId',
    'municipalityId',
    'responseCentreId',
    'priority',
    'triggerType',
    'instructions',
    'resident',
    'requestedBy',
    'requestedAt',
    'acceptBy',
  ],
  properties: {
    v: { const: 1 },
    type: { const: 'dispatch.requested' },
    dispatchId: uuid,
    alarmId: uuid,
    homeCareTeamId: uuid,
    municipalityId: uuid,
    responseCentreId: uuid,
    priority: { type: 'integer', minimum: 1, maximum: 3 },
    triggerType: { type: 'string', minLength: 1, maxLength: 64 },
    instructions: { type: 'string', maxLength: 2000 },
    resident,
    requestedBy: actor,
    requestedAt: time,
    acceptBy: time,
  },
});

const validateWithdrawn = ajv.compile({
  type: 'object',
  required: ['v', 'type', 'dispatchId', 'alarmId', 'homeCareTeamId', 'reason', 'withdrawnBy', 'withdrawnAt'],
  properties: {
    v: { const: 1 },
    type: { const: 'dispatch.withdrawn' },
    dispatchId: uuid,
    alarmId: uuid,
    homeCareTeamId: uuid,
    reason: { type: 'string', maxLength: 2000 },
    withdrawnBy: actor,
    withdrawnAt: time,
  },
});

const validateUpdate = ajv.compile({
  type: 'object',
  required: ['v', 'type', 'updateId', 'dispatchId', 'alarmId', 'homeCareTeamId', 'actor', 'at'],
  properties: {
    v: { const: 1 },
    type: { enum: [...DISPATCH_UPDATE_TYPES] },
    updateId: uuid,
    dispatchId: uuid,
    alarmId: uuid,
    homeCareTeamId: uuid,
    actor,
    at: time,
    reason: { type: 'string', minLength: 1, maxLength: 2000 },
    report: { type: 'string', minLength: 1, maxLength: 4000 },
  },
  allOf: [
    { if: { properties: { type: { const: 'dispatch.declined' } } }, then: { required: ['reason'] } },
    { if: { properties: { type: { const: 'dispatch.completed' } } }, then: { required: ['report'] } },
  ],
});

/**
 * Whether a decoder refused the record. Dispatch records may carry a `reason` of their own (a
 * decline, a withdrawal), so `'reason' in decoded` would take a valid record for a refusal.
 */
export function isRejection<T extends { v: 1 }>(decoded: T | Rejection): decoded is Rejection {
  return !('v' in decoded);
}

export function encodeDispatchRecord(record: DispatchRecord | DispatchUpdateRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

function decodeWith<T>(value: Buffer | null, check: (parsed: unknown) => string | null): T | Rejection {
  if (!value) return { reason: 'invalid_json', detail: 'record has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { reason: 'invalid_json', detail: `record is not JSON: ${(error as Error).message}` };
  }
  const problem = check(parsed);
  return problem ? { reason: 'invalid_field', detail: problem } : (parsed as T);
}

function problemOf(validate: ReturnType<typeof ajv.compile>, parsed: unknown): string | null {
  if (validate(parsed)) return null;
  const error = validate.errors?.[0];
  return `${error?.instancePath || '(record)'} ${error?.message ?? 'is invalid'}`;
}

/** Decodes a record of KafkaTopics.dispatches; a consumer dead-letters what this refuses. */
export function decodeDispatchRecord(value: Buffer | null): DispatchRecord | Rejection {
  return decodeWith<DispatchRecord>(value, (parsed) => {
    const type = (parsed as { type?: unknown } | null)?.type;
    if (type === 'dispatch.requested') return problemOf(validateRequested, parsed);
    if (type === 'dispatch.withdrawn') return problemOf(validateWithdrawn, parsed);
    return 'type must be dispatch.requested or dispatch.withdrawn';
  });
}

/** Decodes a record of KafkaTopics.dispatchUpdates; a consumer dead-letters what this refuses. */
export function decodeDispatchUpdateRecord(value: Buffer | null): DispatchUpdateRecord | Rejection {
  return decodeWith<DispatchUpdateRecord>(value, (parsed) => problemOf(validateUpdate, parsed));
}
