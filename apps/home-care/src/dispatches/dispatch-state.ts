import type { DispatchStatus as SharedDispatchStatus } from '@welfare/contracts';
import { DomainError } from '@welfare/platform';

/**
 * A dispatch's life: `requested` -> `accepted` -> `en_route` -> `arrived` -> `completed`, or
 * from `requested` to `declined` (a nurse of the team says no, with a reason) or `expired` (not
 * accepted by acceptBy; only this service decides that). The response centre may withdraw any
 * dispatch that is not finished. completed, declined, expired and withdrawn are final.
 */
export const DISPATCH_STATUSES = [
  'requested',
  'accepted',
  'en_route',
  'arrived',
  'completed',
  'declined',
  'expired',
  'withdrawn',
] as const satisfies readonly SharedDispatchStatus[];
/** Home care's statuses: the shared vocabulary's (libs/contracts) without the centre's own `unanswered`. */
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

export const ACTIVE_STATUSES: readonly DispatchStatus[] = ['requested', 'accepted', 'en_route', 'arrived'];

/** What a nurse does to a dispatch. */
export const NURSE_STEPS = ['accept', 'decline', 'en_route', 'arrived', 'complete'] as const;
export type NurseStep = (typeof NURSE_STEPS)[number];

/** The status each step leads to, and the one it must start from (the conditional update's WHERE). */
export const STEP_TARGET: Record<NurseStep, DispatchStatus> = {
  accept: 'accepted',
  decline: 'declined',
  en_route: 'en_route',
  arrived: 'arrived',
  complete: 'completed',
};
export const STEP_FROM: Record<NurseStep, DispatchStatus> = {
  accept: 'requested',
  decline: 'requested',
  en_route: 'accepted',
  arrived: 'en_route',
  complete: 'arrived',
};

/** The way forward, in order. */
const PROGRESS: readonly DispatchStatus[] = ['requested', 'accepted', 'en_route', 'arrived', 'completed'];

const LABEL: Record<DispatchStatus, string> = {
  requested: 'requested',
  accepted: 'accepted',
  en_route: 'en route',
  arrived: 'arrived',
  completed: 'completed',
  declined: 'declined',
  expired: 'expired',
  withdrawn: 'withdrawn',
};

/** The parts of a dispatch the rules look at. */
export interface DispatchFacts {
  id: string;
  status: DispatchStatus;
  acceptBy: Date;
  acceptedById: string | null;
  acceptedByName: string | null;
  acceptedAt: Date | null;
  enRouteById: string | null;
  enRouteByName: string | null;
  arrivedById: string | null;
  arrivedByName: string | null;
  completedById: string | null;
  completedByName: string | null;
  declinedById: string | null;
  declinedByName: string | null;
  declineReason: string | null;
  expiredAt: Date | null;
  withdrawnAt: Date | null;
  withdrawnByName: string | null;
  withdrawalReason: string | null;
}

export type NoChange = { kind: 'repeat' } | { kind: 'refused'; error: DomainError };

/**
 * Why a nurse's step changed nothing (its conditional update matched no row), from the dispatch
 * as it is now. The same nurse repeating a step that is already done (a retried request from a
 * phone on a bad connection, a double tap) is answered as a success with the dispatch as it is;
 * anything else is a 409 that says what happened and who did it.
 */
export function afterNoChange(step: NurseStep, dispatch: DispatchFacts, nurseId: string, now: Date): NoChange {
  const refused = (code: string, message: string, details: Record<string, unknown> = {}): NoChange => ({
    kind: 'refused',
    error: new DomainError('conflict', code, message, { dispatchId: dispatch.id, status: dispatch.status, ...details }),
  });
  if (dispatch.status === 'withdrawn') {
    const reason = dispatch.withdrawalReason ? `: ${dispatch.withdrawalReason}` : '';
    return refused('dispatch_withdrawn', `the response centre withdrew this dispatch${reason}`, {
      withdrawnBy: dispatch.withdrawnByName,
      withdrawnAt: dispatch.withdrawnAt?.toISOString() ?? null,
      withdrawalReason: dispatch.withdrawalReason,
    });
  }
  if (doneBy(dispatch, STEP_TARGET[step])?.id === nurseId) return { kind: 'repeat' };
  if (
    dispatch.status === 'expired' ||
    (dispatch.status === 'requested' &&
      (step === 'accept' || step === 'decline') &&
      dispatch.acceptBy.getTime() <= now.getTime())
  ) {
    return refused(
      'dispatch_expired',
      `the dispatch expired: nobody accepted it by ${dispatch.acceptBy.toISOString()}; the response centre is told and decides what happens next`,
      {
        acceptBy: dispatch.acceptBy.toISOString(),
      },
    );
  }
  if (dispatch.status === 'declined') {
    return refused(
      'dispatch_declined',
      `the dispatch was declined by ${dispatch.declinedByName ?? dispatch.declinedById}: ${dispatch.declineReason ?? ''}`.trim(),
      {
        declinedBy: dispatch.declinedByName ?? dispatch.declinedById,
        declineReason: dispatch.declineReason,
      },
    );
  }
  const acceptedBy = dispatch.acceptedByName ?? dispatch.acceptedById;
  if (step === 'accept') {
    return refused('dispatch_already_accepted', `the dispatch is already accepted by ${acceptedBy}`, {
      acceptedBy,
      acceptedAt: dispatch.acceptedAt?.toISOString() ?? null,
    });
  }
  if (step === 'decline') {
    if (dispatch.acceptedById === nurseId) {
      return refused(
        'dispatch_accepted_by_you',
        'you accepted this dispatch: to hand it back, call the response centre, which withdraws it and dispatches again',
        { acceptedBy },
      );
    }
    return refused('dispatch_already_accepted', `the dispatch is already accepted by ${acceptedBy}`, {
      acceptedBy,
      acceptedAt: dispatch.acceptedAt?.toISOString() ?? null,
    });
  }
  if (dispatch.status === 'requested') {
    return refused(
      'dispatch_not_accepted',
      `nobody has accepted this dispatch yet: accept it before marking it ${LABEL[STEP_TARGET[step]]}`,
    );
  }
  const at = PROGRESS.indexOf(dispatch.status);
  const from = PROGRESS.indexOf(STEP_FROM[step]);
  if (at < from) {
    return refused(
      'dispatch_wrong_order',
      `the dispatch is ${LABEL[dispatch.status]}: mark it ${LABEL[PROGRESS[at + 1]]} before ${LABEL[STEP_TARGET[step]]}`,
      {
        next: PROGRESS[at + 1],
      },
    );
  }
  const done = doneBy(dispatch, STEP_TARGET[step]);
  return refused(
    'dispatch_step_done',
    `the dispatch was already marked ${LABEL[STEP_TARGET[step]]} by ${done?.name ?? done?.id ?? 'someone else'}`,
    { by: done?.name ?? done?.id ?? null },
  );
}

/** Who took the dispatch to `status` (or null when it has not been there). */
function doneBy(dispatch: DispatchFacts, status: DispatchStatus): { id: string; name: string | null } | null {
  const pair = (id: string | null, name: string | null) => (id === null ? null : { id, name });
  switch (status) {
    case 'accepted':
      return pair(dispatch.acceptedById, dispatch.acceptedByName);
    case 'en_route':
      return pair(dispatch.enRouteById, dispatch.enRouteByName);
    case 'arrived':
      return pair(dispatch.arrivedById, dispatch.arrivedByName);
    case 'completed':
      return pair(dispatch.completedById, dispatch.completedByName);
    case 'declined':
      return pair(dispatch.declinedById, dispatch.declinedByName);
    default:
      return null;
  }
}

export function dispatchNotFound(id: string): DomainError {
  return new DomainError('not_found', 'dispatch_not_found', `no dispatch with id ${id} for your team`, {
    dispatchId: id,
  });
}
