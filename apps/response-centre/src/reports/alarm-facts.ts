import type { HandlingStep } from '../handling-log/handling-log-entry.entity';

/** One alarm as reports see it: the moments they measure, nothing that names a resident. */
export interface AlarmFacts {
  alarmId: string;
  municipalityId: string | null;
  responseCentreId: string | null;
  triggerType: string;
  priority: number;
  kind: string;
  /** The device's press (its own clock). */
  triggeredAt: Date;
  /** When the centre stored it: time to answer counts from here. */
  openedAt: Date;
  acknowledgedAt: Date | null;
  firstDispatchedAt: Date | null;
  firstAcceptedAt: Date | null;
  firstArrivedAt: Date | null;
  resolvedAt: Date | null;
  outcome: string | null;
  escalations: number;
  dispatches: number;
  dispatchesDeclined: number;
  dispatchesExpired: number;
  dispatchesUnanswered: number;
}

/** A handling-log step with the attributes of its alarm, as the projection reads them. */
export interface LoggedStep {
  alarmId: string;
  step: HandlingStep;
  at: Date;
  details: Record<string, unknown>;
  alarm: Pick<
    AlarmFacts,
    'municipalityId' | 'responseCentreId' | 'triggerType' | 'priority' | 'kind' | 'triggeredAt' | 'openedAt'
  >;
}

/**
 * What a run of steps adds to each alarm's facts. The first moment of each kind wins (steps come
 * in log order, and a stored moment is never replaced: see the upsert), counts add up.
 */
export function foldSteps(steps: LoggedStep[]): AlarmFacts[] {
  const byAlarm = new Map<string, AlarmFacts>();
  for (const step of steps) {
    let facts = byAlarm.get(step.alarmId);
    if (!facts) {
      facts = emptyFacts(step);
      byAlarm.set(step.alarmId, facts);
    }
    apply(facts, step);
  }
  return [...byAlarm.values()];
}

function emptyFacts(step: LoggedStep): AlarmFacts {
  return {
    alarmId: step.alarmId,
    ...step.alarm,
    acknowledgedAt: null,
    firstDispatchedAt: null,
    firstAcceptedAt: null,
    firstArrivedAt: null,
    resolvedAt: null,
    outcome: null,
    escalations: 0,
    dispatches: 0,
    dispatchesDeclined: 0,
    dispatchesExpired: 0,
    dispatchesUnanswered: 0,
  };
}

function apply(facts: AlarmFacts, { step, at, details }: LoggedStep): void {
  switch (step) {
    case 'acknowledged':
      facts.acknowledgedAt ??= at;
      return;
    case 'dispatched':
      facts.firstDispatchedAt ??= at;
      facts.dispatches++;
      return;
    case 'dispatch_accepted':
      facts.firstAcceptedAt ??= at;
      return;
    case 'dispatch_arrived':
      facts.firstArrivedAt ??= at;
      return;
    case 'dispatch_declined':
      facts.dispatchesDeclined++;
      return;
    case 'dispatch_expired':
      facts.dispatchesExpired++;
      return;
    case 'dispatch_unanswered':
      facts.dispatchesUnanswered++;
      return;
    case 'escalated':
      facts.escalations++;
      return;
    case 'resolved':
      facts.resolvedAt ??= at;
      facts.outcome ??= typeof details.outcome === 'string' ? details.outcome : 'other';
      return;
    case 'cleared_by_device':
      facts.resolvedAt ??= at;
      facts.outcome ??= 'cleared_by_device';
      return;
    default:
      return; // received, repeats, notes, cancellations and the rest measure nothing
  }
}
