import { DomainError } from '@welfare/platform';
import { AlarmStatus, refusal } from './alarm-state';

const at = new Date('2026-11-23T10:00:00Z');
const alarm = (state: AlarmStatus['state'], extra: Partial<AlarmStatus> = {}): AlarmStatus => ({
  id: 'a1',
  state,
  acknowledgedBy: state === 'open' ? null : 'op-anna',
  acknowledgedAt: state === 'open' ? null : at,
  resolvedBy: state === 'resolved' ? 'op-anna' : null,
  ...extra,
});

describe('alarm state transitions', () => {
  it('allows acknowledge only from open', () => {
    expect(refusal('acknowledge', alarm('open'))).toBeNull();
    expect(refusal('acknowledge', alarm('acknowledged'))).toBeInstanceOf(DomainError);
    expect(refusal('acknowledge', alarm('resolved'))).toBeInstanceOf(DomainError);
  });

  it('names who has the alarm when a second operator tries to take it', () => {
    const error = refusal('acknowledge', alarm('acknowledged'));
    expect(error).toMatchObject({
      kind: 'conflict',
      code: 'alarm_already_acknowledged',
      details: { acknowledgedBy: 'op-anna', acknowledgedAt: at.toISOString() },
    });
    expect(error?.message).toContain('op-anna');
  });

  it('allows resolve only from acknowledged, and says to take the alarm first', () => {
    expect(refusal('resolve', alarm('acknowledged'))).toBeNull();
    expect(refusal('resolve', alarm('open'))).toMatchObject({ kind: 'conflict', code: 'alarm_not_acknowledged' });
    expect(refusal('resolve', alarm('resolved'))).toMatchObject({
      kind: 'conflict',
      code: 'alarm_resolved',
      details: { resolvedBy: 'op-anna' },
    });
  });

  it('allows a dispatch only on a taken alarm, and says so', () => {
    expect(refusal('dispatch', alarm('acknowledged'))).toBeNull();
    const early = refusal('dispatch', alarm('open'));
    expect(early).toMatchObject({ kind: 'conflict', code: 'alarm_not_acknowledged' });
    expect(early?.message).toContain('before dispatching');
    expect(refusal('dispatch', alarm('resolved'))).toMatchObject({ kind: 'conflict', code: 'alarm_resolved' });
  });

  it('allows notes in every state, also after resolution', () => {
    for (const state of ['open', 'acknowledged', 'resolved'] as const) expect(refusal('note', alarm(state))).toBeNull();
  });
});
