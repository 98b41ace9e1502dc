import { DomainError } from '@welfare/platform';
import { afterNoChange, DispatchFacts, NurseStep } from './dispatch-state';

const NOW = new Date('2026-01-10T12:00:00Z');

function dispatch(facts: Partial<DispatchFacts>): DispatchFacts {
  return {
    id: 'd1',
    status: 'requested',
    acceptBy: new Date('2026-01-10T12:10:00Z'),
    acceptedById: null,
    acceptedByName: null,
    acceptedAt: null,
    enRouteById: null,
    enRouteByName: null,
    arrivedById: null,
    arrivedByName: null,
    completedById: null,
    completedByName: null,
    declinedById: null,
    declinedByName: null,
    declineReason: null,
    expiredAt: null,
    withdrawnAt: null,
    withdrawnByName: null,
    withdrawalReason: null,
    ...facts,
  };
}

const accepted = { status: 'accepted' as const, acceptedById: 'ann', acceptedByName: 'Ann', acceptedAt: NOW };
const enRoute = { ...accepted, status: 'en_route' as const, enRouteById: 'ann', enRouteByName: 'Ann' };
const arrived = { ...enRoute, status: 'arrived' as const, arrivedById: 'bo', arrivedByName: 'Bo' };
const completed = { ...arrived, status: 'completed' as const, completedById: 'bo', completedByName: 'Bo' };

function refusal(step: NurseStep, facts: Partial<DispatchFacts>, nurse = 'cai'): DomainError {
  const outcome = afterNoChange(step, dispatch(facts), nurse, NOW);
  if (outcome.kind !== 'refused') throw new Error(`expected a refusal, got ${outcome.kind}`);
  return outcome.error;
}

describe("afterNoChange: why a nurse's step changed nothing", () => {
  it.each<[NurseStep, Partial<DispatchFacts>, string]>([
    ['accept', accepted, 'ann'],
    ['accept', completed, 'ann'],
    ['en_route', enRoute, 'ann'],
    ['en_route', completed, 'ann'],
    ['arrived', arrived, 'bo'],
    ['complete', completed, 'bo'],
    ['decline', { status: 'declined', declinedById: 'ann', declinedByName: 'Ann', declineReason: 'busy' }, 'ann'],
  ])('%s repeated by the nurse who did it is a repeat, not an error (%j)', (step, facts, nurse) => {
    expect(afterNoChange(step, dispatch(facts), nurse, NOW)).toEqual({ kind: 'repeat' });
  });

  it('another nurse accepting is told who has it', () => {
    expect(refusal('accept', accepted)).toMatchObject({
      kind: 'conflict',
      code: 'dispatch_already_accepted',
      message: 'the dispatch is already accepted by Ann',
      details: { acceptedBy: 'Ann' },
    });
  });

  it('accepting or declining at or after acceptBy is "expired", before the sweep has run too', () => {
    const due = { acceptBy: NOW };
    expect(refusal('accept', due)).toMatchObject({
      code: 'dispatch_expired',
      message: expect.stringContaining('expired'),
    });
    expect(refusal('decline', due)).toMatchObject({ code: 'dispatch_expired' });
    expect(refusal('accept', { status: 'expired', expiredAt: NOW })).toMatchObject({ code: 'dispatch_expired' });
  });

  it('a withdrawn dispatch refuses every step, also a repeat, and says why', () => {
    const withdrawn = {
      ...accepted,
      status: 'withdrawn' as const,
      withdrawnByName: 'Op',
      withdrawalReason: 'false alarm',
      withdrawnAt: NOW,
    };
    for (const step of ['accept', 'en_route', 'arrived', 'complete', 'decline'] as NurseStep[]) {
      expect(refusal(step, withdrawn, 'ann')).toMatchObject({
        code: 'dispatch_withdrawn',
        message: 'the response centre withdrew this dispatch: false alarm',
      });
    }
  });

  it('steps out of order say what comes first', () => {
    expect(refusal('en_route', {})).toMatchObject({ code: 'dispatch_not_accepted' });
    expect(refusal('arrived', accepted, 'ann')).toMatchObject({
      code: 'dispatch_wrong_order',
      message: 'the dispatch is accepted: mark it en route before arrived',
    });
    expect(refusal('complete', enRoute, 'ann')).toMatchObject({
      code: 'dispatch_wrong_order',
      message: 'the dispatch is en route: mark it arrived before completed',
    });
  });

  it('a step someone else already did names them', () => {
    expect(refusal('arrived', completed, 'ann')).toMatchObject({
      code: 'dispatch_step_done',
      message: 'the dispatch was already marked arrived by Bo',
    });
  });

  it('declining an accepted dispatch: the one who accepted hands back through the centre; others are told who has it', () => {
    expect(refusal('decline', accepted, 'ann')).toMatchObject({ code: 'dispatch_accepted_by_you' });
    expect(refusal('decline', accepted, 'bo')).toMatchObject({ code: 'dispatch_already_accepted' });
  });

  it('a declined dispatch tells who declined and why', () => {
    expect(
      refusal('accept', { status: 'declined', declinedById: 'ann', declinedByName: 'Ann', declineReason: 'no car' }),
    ).toMatchObject({ code: 'dispatch_declined', message: 'the dispatch was declined by Ann: no car' });
  });
});
