import { IDENTIFIER_PATTERN } from './device-event.types';
import { municipalityAlarmRuleDefaultsProblem, residentAlarmRulesProblem } from './alarm-rule-config';
import type { MunicipalityAlarmRuleDefaults, ResidentAlarmRules } from './alarm-rule-config';
import type { Rejection } from './device-message.validator';

export const DEVICE_KINDS = ['safety_alarm', 'door_sensor', 'gps_tracker', 'fall_detector'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** in_stock: registered, no resident, no secret; active: onboarded, may connect; retired: shut out for good. */
export const DEVICE_STATES = ['in_stock', 'active', 'retired'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/**
 * Value of a record on KafkaTopics.registryDevices (key: device id; the topic is compacted).
 * The full current state of one device, denormalised so a consumer needs nothing else: the
 * ingestor can refuse unknown and retired devices, the response centre can route an alarm to
 * the resident's municipality, centre and home-care team, and watch heartbeats.
 *
 * A retired device stays on the topic as state "retired" (no tombstone): compaction would
 * drop a tombstone after a while, and then "retired" would read as "unknown"; the response
 * centre also still needs the device's resident for its alarm history.
 *
 * The secret's hash is deliberately not here. Every service reads this topic and copies it
 * into its own view, logs and dead letters; the hash is only needed by whatever authenticates
 * devices at the MQTT broker, which can get it from the registry directly or from a separate,
 * ACL-restricted credentials topic. What consumers may need is *that* a secret was replaced
 * (to drop a session that logged in with the old one): credentialsIssuedAt says so.
 */
export interface RegistryDeviceRecord {
  v: 1;
  deviceId: string;
  /** Increases with every change of this device's record; keep the highest one seen. */
  revision: number;
  state: DeviceState;
  kind: DeviceKind;
  serialNumber: string;
  residentId: string | null;
  homeCareTeamId: string | null;
  municipalityId: string | null;
  responseCentreId: string | null;
  /** How often the device checks in; silence for longer than its grace period is a technical alarm. */
  heartbeatIntervalSeconds: number;
  /** When the current MQTT secret was issued; null when the device has none (in stock, retired). */
  credentialsIssuedAt: string | null;
  /**
   * Set for a SCAIP alarm unit (or one of its sub-devices): the controller id (`cid`) it sends
   * and, for a sub-device, its `did`. The SCAIP gateway maps messages to devices by these. Left
   * out (older records) or null: not a SCAIP device. No digest secret is ever here.
   */
  scaip?: RegistryScaipIdentity | null;
  updatedAt: string;
}

export interface RegistryScaipIdentity {
  /** The unit's controller id: up to 16 digits, as the unit sends it (leading spaces trimmed). */
  controllerId: string;
  /** The sub-device's id within the unit (up to 8 characters); null for the unit itself. */
  subDeviceId: string | null;
}

export const SCAIP_CONTROLLER_ID_PATTERN = '^[0-9]{1,16}$';
export const SCAIP_SUB_DEVICE_ID_PATTERN = '^[A-Za-z0-9]{1,8}$';

function scaipIdentityProblem(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const identity = value as Partial<RegistryScaipIdentity>;
  if (typeof identity.controllerId !== 'string' || !new RegExp(SCAIP_CONTROLLER_ID_PATTERN).test(identity.controllerId))
    return 'scaip.controllerId must be 1-16 digits';
  const sub = identity.subDeviceId;
  if (sub !== null && (typeof sub !== 'string' || !new RegExp(SCAIP_SUB_DEVICE_ID_PATTERN).test(sub)))
    return 'scaip.subDeviceId must be null or 1-8 letters or digits';
  return null;
}

export function encodeRegistryDeviceRecord(record: RegistryDeviceRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

const identifier = new RegExp(IDENTIFIER_PATTERN);
const uuidOrNull = (value: unknown) => value === null || (typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value));
const timeOrNull = (value: unknown) =>
  value === null || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));

/** Decodes a registry device record; a consumer dead-letters what this refuses. */
export function decodeRegistryDeviceRecord(value: Buffer | null): RegistryDeviceRecord | Rejection {
  if (!value) return { reason: 'invalid_json', detail: 'record has no value (the registry writes no tombstones)' };
  let record: Partial<RegistryDeviceRecord> | null;
  try {
    record = JSON.parse(value.toString('utf8')) as Partial<RegistryDeviceRecord> | null;
  } catch (error) {
    return { reason: 'invalid_json', detail: `record is not JSON: ${(error as Error).message}` };
  }
  const problem = registryRecordProblem(record);
  return problem ? { reason: 'invalid_field', detail: problem } : (record as RegistryDeviceRecord);
}

function registryRecordProblem(record: Partial<RegistryDeviceRecord> | null): string | null {
  if (!record || typeof record !== 'object' || record.v !== 1) return 'record is not a v1 registry device record';
  if (typeof record.deviceId !== 'string' || !identifier.test(record.deviceId)) return 'deviceId is missing or invalid';
  if (!Number.isInteger(record.revision) || (record.revision as number) < 1)
    return 'revision must be a positive integer';
  if (!DEVICE_STATES.includes(record.state as DeviceState)) return `state must be one of ${DEVICE_STATES.join(', ')}`;
  if (!DEVICE_KINDS.includes(record.kind as DeviceKind)) return `kind must be one of ${DEVICE_KINDS.join(', ')}`;
  if (typeof record.serialNumber !== 'string') return 'serialNumber must be a string';
  const references = [record.residentId, record.homeCareTeamId, record.municipalityId, record.responseCentreId];
  if (!references.every(uuidOrNull))
    return 'residentId, homeCareTeamId, municipalityId and responseCentreId must be uuids or null';
  if (!Number.isInteger(record.heartbeatIntervalSeconds) || (record.heartbeatIntervalSeconds as number) < 1)
    return 'heartbeatIntervalSeconds must be a positive integer';
  if (!timeOrNull(record.credentialsIssuedAt) || !timeOrNull(record.updatedAt) || record.updatedAt === null)
    return 'credentialsIssuedAt or updatedAt is not a time';
  return scaipIdentityProblem(record.scaip);
}

/**
 * Value of a record on KafkaTopics.registryHomeCareTeams (key: team id; compacted). A deleted
 * team stays on the topic with `deleted: true` (no tombstone), like a retired device.
 */
export interface RegistryHomeCareTeamRecord {
  v: 1;
  teamId: string;
  revision: number;
  municipalityId: string;
  name: string;
  deleted: boolean;
  updatedAt: string;
}

export function encodeRegistryRecord(record: object): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/** A registry record's JSON object, or why it is not one. */
export function parseRegistryRecord<T>(value: Buffer | null): { record: Partial<T> } | { rejection: Rejection } {
  if (!value)
    return { rejection: { reason: 'invalid_json', detail: 'record has no value (the registry writes no tombstones)' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { rejection: { reason: 'invalid_json', detail: `record is not JSON: ${(error as Error).message}` } };
  }
  if (!parsed || typeof parsed !== 'object' || (parsed as { v?: unknown }).v !== 1)
    return { rejection: { reason: 'invalid_field', detail: 'record is not a v1 registry record' } };
  return { record: parsed as Partial<T> };
}

export const isUuid = (value: unknown) => typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value);
export const isRevision = (value: unknown) => Number.isInteger(value) && (value as number) >= 1;

/** Decodes a registry home-care team record; a consumer dead-letters what this refuses. */
export function decodeRegistryHomeCareTeamRecord(value: Buffer | null): RegistryHomeCareTeamRecord | Rejection {
  const parsed = parseRegistryRecord<RegistryHomeCareTeamRecord>(value);
  if ('rejection' in parsed) return parsed.rejection;
  const r = parsed.record;
  if (!isUuid(r.teamId) || !isUuid(r.municipalityId))
    return { reason: 'invalid_field', detail: 'teamId and municipalityId must be uuids' };
  if (!isRevision(r.revision)) return { reason: 'invalid_field', detail: 'revision must be a positive integer' };
  if (
    typeof r.name !== 'string' ||
    typeof r.deleted !== 'boolean' ||
    !timeOrNull(r.updatedAt) ||
    r.updatedAt === null
  ) {
    return { reason: 'invalid_field', detail: 'name, deleted or updatedAt is missing or of the wrong type' };
  }
  return r as RegistryHomeCareTeamRecord;
}

/** Someone to call when the resident needs help; residents keep them in call order. */
export interface ResidentContact {
  name: string;
  phone: string;
  relation?: string;
}

/**
 * Value of a record on KafkaTopics.registryResidents (key: resident id; compacted): what the
 * response centre needs of a resident, for the operator (who, where, how to get in, whom to
 * call) and for the rules. A deleted resident stays on the topic with `deleted: true` and its
 * personal fields emptied.
 */
export interface RegistryResidentRecord {
  v: 1;
  residentId: string;
  revision: number;
  municipalityId: string;
  homeCareTeamId: string | null;
  name: string;
  address: string;
  keyBox: string | null;
  doorCodeHint: string | null;
  accessNote: string | null;
  contacts: ResidentContact[];
  careNote: string | null;
  alarmRules: ResidentAlarmRules;
  deleted: boolean;
  updatedAt: string;
}

/** Value of a record on KafkaTopics.registryMunicipalities (key: municipality id; compacted). */
export interface RegistryMunicipalityRecord {
  v: 1;
  municipalityId: string;
  revision: number;
  name: string;
  responseCentreId: string;
  alarmRuleDefaults: MunicipalityAlarmRuleDefaults;
  deleted: boolean;
  updatedAt: string;
}

const nullableStrings = (...values: unknown[]) => values.every((value) => value === null || typeof value === 'string');

export function decodeRegistryResidentRecord(value: Buffer | null): RegistryResidentRecord | Rejection {
  const parsed = parseRegistryRecord<RegistryResidentRecord>(value);
  if ('rejection' in parsed) return parsed.rejection;
  const r = parsed.record;
  if (!isUuid(r.residentId) || !isUuid(r.municipalityId) || !uuidOrNull(r.homeCareTeamId))
    return { reason: 'invalid_field', detail: 'residentId, municipalityId or homeCareTeamId is not a uuid' };
  if (!isRevision(r.revision)) return { reason: 'invalid_field', detail: 'revision must be a positive integer' };
  if (
    typeof r.name !== 'string' ||
    typeof r.address !== 'string' ||
    !nullableStrings(r.keyBox, r.doorCodeHint, r.accessNote, r.careNote)
  ) {
    return {
      reason: 'invalid_field',
      detail: 'name, address, keyBox, doorCodeHint, accessNote or careNote is of the wrong type',
    };
  }
  if (
    !Array.isArray(r.contacts) ||
    !r.contacts.every((c) => c && typeof c.name === 'string' && typeof c.phone === 'string')
  )
    return { reason: 'invalid_field', detail: 'contacts must be a list of { name, phone }' };
  const rules = residentAlarmRulesProblem(r.alarmRules);
  if (rules) return { reason: 'invalid_field', detail: rules };
  if (typeof r.deleted !== 'boolean' || !timeOrNull(r.updatedAt) || r.updatedAt === null)
    return { reason: 'invalid_field', detail: 'deleted or updatedAt is missing or of the wrong type' };
  return r as RegistryResidentRecord;
}

export function decodeRegistryMunicipalityRecord(value: Buffer | null): RegistryMunicipalityRecord | Rejection {
  const parsed = parseRegistryRecord<RegistryMunicipalityRecord>(value);
  if ('rejection' in parsed) return parsed.rejection;
  const r = parsed.record;
  if (!isUuid(r.municipalityId) || !isUuid(r.responseCentreId))
    return { reason: 'invalid_field', detail: 'municipalityId or responseCentreId is not a uuid' };
  if (!isRevision(r.revision)) return { reason: 'invalid_field', detail: 'revision must be a positive integer' };
  if (typeof r.name !== 'string') return { reason: 'invalid_field', detail: 'name must be a string' };
  const rules = municipalityAlarmRuleDefaultsProblem(r.alarmRuleDefaults);
  if (rules) return { reason: 'invalid_field', detail: rules };
  if (typeof r.deleted !== 'boolean' || !timeOrNull(r.updatedAt) || r.updatedAt === null)
    return { reason: 'invalid_field', detail: 'deleted or updatedAt is missing or of the wrong type' };
  return r as RegistryMunicipalityRecord;
}
