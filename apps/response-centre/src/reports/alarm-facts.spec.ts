import { foldSteps, type LoggedStep } from './alarm-facts';
import type { HandlingStep } from '../handling-log/handling-log-entry.entity';

const ALARM = {
  municipalityId: 'm-1',
  responseCentreId: 'c-1',
  triggerType: 'alarm.button',
  priority: 1,
  kind: 'care',
  triggeredAt: new Date('2026-03-01T10:00:00Z'),
  openedAt: new Date('2026-03-01T10:00:01Z'),
};

const step = (alarmId: string, name: HandlingStep, at: string, details: Record<string, unknown> = {}): LoggedStep => ({
  alarmId,
  step: name,
  at: new Date(at),
  details,
  alarm: ALARM,
});

describe('foldSteps', () => {
  it("keeps each alarm's first moment of every kind and counts the rest, whatever else is logged", () => {
    const [facts, other] = foldSteps([
      step('a', 'received', '2026-03-01T10:00:01Z'),
      step('a', 'escalated', '2026-03-01T10:01:00Z'),
      step('b', 'received', '2026-03-01T10:00:02Z'),
      step('a', 'acknowledged', '2026-03-01T10:01:30Z'),
      step('a', 'note', '2026-03-01T10:01:40Z', { text: 'the resident fell' }),
      step('a', 'dispatched', '2026-03-01T10:02:00Z'),
      step('a', 'dispatch_declined', '2026-03-01T10:03:00Z'),
      step('a', 'dispatched', '2026-03-01T10:04:00Z'),
      step('a', 'dispatch_expired', '2026-03-01T10:14:00Z'),
      step('a', 'dispatched', '2026-03-01T10:15:00Z'),
      step('a', 'dispatch_unanswered', '2026-03-01T10:16:00Z'),
      step('a', 'dispatched', '2026-03-01T10:17:00Z'),
      step('a', 'dispatch_accepted', '2026-03-01T10:18:00Z'),
      step('a', 'dispatch_accepted', '2026-03-01T10:19:00Z'),
      step('a', 'dispatch_arrived', '2026-03-01T10:30:00Z'),
      step('a', 'dispatch_arrived', '2026-03-01T10:31:00Z'),
      step('a', 'resolved', '2026-03-01T10:45:00Z', { outcome: 'home_care_visit' }),
      step('b', 'cleared_by_device', '2026-03-01T10:05:00Z'),
    ]);
    expect(facts).toEqual({
      alarmId: 'a',
      ...ALARM,
      acknowledgedAt: new Date('2026-03-01T10:01:30Z'),
      firstDispatchedAt: new Date('2026-03-01T10:02:00Z'),
      firstAcceptedAt: new Date('2026-03-01T10:18:00Z'),
      firstArrivedAt: new Date('2026-03-01T10:30:00Z'),
      resolvedAt: new Date('2026-03-01T10:45:00Z'),
      outcome: 'home_care_visit',
      escalations: 1,
      dispatches: 4,
      dispatchesDeclined: 1,
      dispatchesExpired: 1,
      dispatchesUnanswered: 1,
    });
    expect(other).toMatchObject({ alarmId: 'b', acknowledgedAt: null, outcome: 'cleared_by_device', dispatches: 0 });
    // Nothing a resident wrote or is called reaches the facts.
    expect(JSON.stringify([facts, other])).not.toContain('fell');
  });
});
