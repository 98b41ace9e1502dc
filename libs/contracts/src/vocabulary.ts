import { DEVICE_EVENT_TYPES } from './device-event.types';
import type { DeviceKind, DeviceState } from './registry-records';

/**
 * The words people read for the ids the services use: alarm triggers, handling steps, dispatch
 * statuses and alarm outcomes, each with its label in Norwegian bokmål (first) and English. The
 * services take their lists of ids from here; the pages get the same object as a browser module
 * (`vocabulary.js`, served by the response centre and home care), so no page keeps its own list.
 */
export const LANGUAGES = ['nb', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export type Labels = Readonly<Record<Language, string>>;

/** What opened an alarm: a device event, or the response centre noticing something over time. */
export const ALARM_TRIGGERS = [
  ...DEVICE_EVENT_TYPES,
  'device.silent',
  'system.fleet_silent',
  'door.left_open',
  'gps.left_safe_zone',
] as const;
export type AlarmTriggerType = (typeof ALARM_TRIGGERS)[number];

export const TRIGGER_LABELS: Readonly<Record<AlarmTriggerType, Labels>> = {
  'alarm.button': { nb: 'Trygghetsalarm utløst', en: 'Safety alarm button pressed' },
  'fall.detected': { nb: 'Fall oppdaget', en: 'Fall detected' },
  'alarm.cancelled': { nb: 'Alarm avbrutt', en: 'Alarm cancelled' },
  'door.opened': { nb: 'Dør åpnet om natten', en: 'Door opened at night' },
  'door.closed': { nb: 'Dør lukket', en: 'Door closed' },
  'gps.position': { nb: 'Posisjon fra sporer', en: 'Tracker position' },
  heartbeat: { nb: 'Livstegn fra enheten', en: 'Device heartbeat' },
  'battery.low': { nb: 'Lavt batteri', en: 'Battery low' },
  'power.lost': { nb: 'Strømbrudd', en: 'Power lost' },
  'power.restored': { nb: 'Strømmen er tilbake', en: 'Power restored' },
  'device.silent': { nb: 'Enheten har ikke meldt seg', en: 'Device silent' },
  'system.fleet_silent': { nb: 'Mange enheter har ikke meldt seg', en: 'Many devices silent' },
  'door.left_open': { nb: 'Dør stått åpen', en: 'Door left open' },
  'gps.left_safe_zone': { nb: 'Utenfor trygg sone', en: 'Left the safe zones' },
};

/** One step of an alarm's handling, as the response centre's handling log records it. */
export const HANDLING_STEPS = [
  'received',
  'repeated',
  'cancelled_at_device',
  'escalated',
  'acknowledged',
  'note',
  'cleared_by_device',
  'door_closed',
  'returned_to_safe_zone',
  'resolved',
  // Dispatch to a home-care team: the operator's request and withdrawal, what home care told
  // the centre (actor kind home_care), and the centre's backstop when home care said nothing.
  'dispatched',
  'dispatch_withdrawn',
  'dispatch_accepted',
  'dispatch_declined',
  'dispatch_en_route',
  'dispatch_arrived',
  'dispatch_completed',
  'dispatch_expired',
  'dispatch_unanswered',
] as const;
export type HandlingStep = (typeof HANDLING_STEPS)[number];

export const STEP_LABELS: Readonly<Record<HandlingStep, Labels>> = {
  received: { nb: 'Alarm mottatt', en: 'Alarm received' },
  repeated: { nb: 'Gjentatt', en: 'Repeated' },
  cancelled_at_device: { nb: 'Avbrutt på enheten', en: 'Cancelled at the device' },
  escalated: { nb: 'Eskalert', en: 'Escalated' },
  acknowledged: { nb: 'Tatt', en: 'Taken' },
  note: { nb: 'Notat', en: 'Note' },
  cleared_by_device: { nb: 'Avsluttet av enheten', en: 'Cleared by the device' },
  door_closed: { nb: 'Dør lukket', en: 'Door closed' },
  returned_to_safe_zone: { nb: 'Tilbake i trygg sone', en: 'Back in a safe zone' },
  resolved: { nb: 'Avsluttet', en: 'Resolved' },
  dispatched: { nb: 'Hjemmetjenesten sendt ut', en: 'Home care dispatched' },
  dispatch_withdrawn: { nb: 'Oppdrag trukket tilbake', en: 'Dispatch withdrawn' },
  dispatch_accepted: { nb: 'Oppdrag godtatt', en: 'Dispatch accepted' },
  dispatch_declined: { nb: 'Oppdrag avslått', en: 'Dispatch declined' },
  dispatch_en_route: { nb: 'Pleier på vei', en: 'Nurse on the way' },
  dispatch_arrived: { nb: 'Pleier fremme', en: 'Nurse arrived' },
  dispatch_completed: { nb: 'Besøk fullført', en: 'Visit completed' },
  dispatch_expired: { nb: 'Oppdrag utløpt (ingen godtok)', en: 'Dispatch expired (nobody accepted)' },
  dispatch_unanswered: { nb: 'Hjemmetjenesten svarte ikke', en: 'Home care did not answer' },
};

/**
 * A dispatch's status. `unanswered` is the response centre's own verdict when home care never
 * said anything; home care itself never reaches it.
 */
export const DISPATCH_STATUSES = [
  'requested',
  'accepted',
  'en_route',
  'arrived',
  'completed',
  'declined',
  'expired',
  'unanswered',
  'withdrawn',
] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

/** Someone may still have to act on these. */
export const ACTIVE_DISPATCH_STATUSES: readonly DispatchStatus[] = ['requested', 'accepted', 'en_route', 'arrived'];

export const DISPATCH_STATUS_LABELS: Readonly<Record<DispatchStatus, Labels>> = {
  requested: { nb: 'Venter på at noen godtar', en: 'Waiting for someone to accept' },
  accepted: { nb: 'Godtatt', en: 'Accepted' },
  en_route: { nb: 'Pleier på vei', en: 'Nurse on the way' },
  arrived: { nb: 'Pleier fremme', en: 'Nurse arrived' },
  completed: { nb: 'Besøk fullført', en: 'Visit completed' },
  declined: { nb: 'Avslått', en: 'Declined' },
  expired: { nb: 'Utløpt: ingen godtok i tide', en: 'Expired: nobody accepted in time' },
  unanswered: { nb: 'Hjemmetjenesten svarte ikke', en: 'Home care did not answer' },
  withdrawn: { nb: 'Trukket tilbake av responssenteret', en: 'Withdrawn by the response centre' },
};

/** How an operator closed an alarm. */
export const ALARM_OUTCOMES = [
  'false_alarm',
  'handled_by_phone',
  'home_care_visit',
  'emergency_services',
  'cancelled_by_resident',
  'technical_fault',
  /** Closed by the device itself (power restored): no operator action was needed. */
  'cleared_by_device',
  'other',
] as const;
export type AlarmOutcome = (typeof ALARM_OUTCOMES)[number];

export const OUTCOME_LABELS: Readonly<Record<AlarmOutcome, Labels>> = {
  false_alarm: { nb: 'Falsk alarm', en: 'False alarm' },
  handled_by_phone: { nb: 'Håndtert på telefon', en: 'Handled by phone' },
  home_care_visit: { nb: 'Besøk av hjemmetjenesten', en: 'Home-care visit' },
  emergency_services: { nb: 'Nødetater varslet', en: 'Emergency services' },
  cancelled_by_resident: { nb: 'Avbrutt av brukeren', en: 'Cancelled by the resident' },
  technical_fault: { nb: 'Teknisk feil', en: 'Technical fault' },
  cleared_by_device: { nb: 'Avsluttet av enheten', en: 'Cleared by the device' },
  other: { nb: 'Annet', en: 'Other' },
};

/** The kinds of device a municipality hands out (registry-records' DEVICE_KINDS). */
export const DEVICE_KIND_LABELS: Readonly<Record<DeviceKind, Labels>> = {
  safety_alarm: { nb: 'Trygghetsalarm', en: 'Safety alarm' },
  door_sensor: { nb: 'Dørsensor', en: 'Door sensor' },
  gps_tracker: { nb: 'GPS-sporer', en: 'GPS tracker' },
  fall_detector: { nb: 'Fallsensor', en: 'Fall detector' },
};

/** Where a device is in its life (registry-records' DEVICE_STATES). */
export const DEVICE_STATE_LABELS: Readonly<Record<DeviceState, Labels>> = {
  in_stock: { nb: 'På lager', en: 'In stock' },
  active: { nb: 'I bruk', en: 'Active' },
  retired: { nb: 'Utrangert', en: 'Retired' },
};

/** Everything above in one object: what the pages load as `vocabulary.js`. */
export const VOCABULARY = {
  languages: LANGUAGES,
  triggers: TRIGGER_LABELS,
  steps: STEP_LABELS,
  dispatchStatuses: DISPATCH_STATUS_LABELS,
  activeDispatchStatuses: ACTIVE_DISPATCH_STATUSES,
  outcomes: OUTCOME_LABELS,
  deviceKinds: DEVICE_KIND_LABELS,
  deviceStates: DEVICE_STATE_LABELS,
} as const;
