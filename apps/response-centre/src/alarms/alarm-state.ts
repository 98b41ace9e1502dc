import { DomainError } from '@welfare/platform';

export const ALARM_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** How an alarm ended; a fixed list so reports can count them. */
export { ALARM_OUTCOMES, type AlarmOutcome } from '@welfare/contracts';

export type AlarmAction = 'acknowledge' | 'resolve' | 'note' | 'dispatch';

/**
 * The state each action may start from. Notes may be added at any time, also after resolution.
 * A dispatch needs an operator who has taken the alarm: someone answers for it until it is resolved.
 */
const ALLOWED_FROM: Record<AlarmAction, readonly AlarmState[]> = {
  acknowledge: ['open'],
  resolve: ['acknowledged'],
  note: ['open', 'acknowledged', 'resolved'],
  dispatch: ['acknowledged'],
};

const DOING: Record<AlarmAction, string> = {
  acknowledge: 'acknowledging',
  resolve: 'resolving',
  note: 'noting',
  dispatch: 'dispatching home care to',
};

export interface AlarmStatus {
  id: string;
  state: AlarmState;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  resolvedBy: string | null;
}

/**
 * Explains why an action is refused in the alarm's current state, as the error the API returns.
 * Returns null when the action is allowed.
 */
export function refusal(action: AlarmAction, alarm: AlarmStatus): DomainError | null {
  if (ALLOWED_FROM[action].includes(alarm.state)) return null;
  if (action === 'acknowledge' && alarm.state === 'acknowledged') {
    return new DomainError(
      'conflict',
      'alarm_already_acknowledged',
      `alarm is already taken by ${alarm.acknowledgedBy}`,
      {
        alarmId: alarm.id,
        acknowledgedBy: alarm.acknowledgedBy,
        acknowledgedAt: alarm.acknowledgedAt?.toISOString() ?? null,
      },
    );
  }
  if (alarm.state === 'resolved') {
    return new DomainError('conflict', 'alarm_resolved', `alarm was already resolved by ${alarm.resolvedBy}`, {
      alarmId: alarm.id,
      resolvedBy: alarm.resolvedBy,
    });
  }
  return new DomainError(
    'conflict',
    'alarm_not_acknowledged',
    `an operator must take (acknowledge) the alarm before ${DOING[action]} it`,
    {
      alarmId: alarm.id,
      state: alarm.state,
    },
  );
}

export function alarmNotFound(alarmId: string): DomainError {
  return new DomainError('not_found', 'alarm_not_found', `no alarm with id ${alarmId}`, { alarmId });
}
