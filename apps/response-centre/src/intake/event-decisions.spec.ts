import type { DeviceEventRecord, EffectiveAlarmRules, SafeZone } from '@welfare/contracts';
import { decide, EnrichedEvent } from './event-decisions';

const owner = { residentId: 'r-1', municipalityId: 'm-1', responseCentreId: 'c-1' };
const home = { lat: 59.7439, lon: 10.2045 };
const zone: SafeZone = { kind: 'circle', name: 'home', center: home, radiusMeters: 200 };
const noRules: EffectiveAlarmRules = { doorNightWindow: null, doorOpenLimitMinutes: null, safeZones: [] };

function enriched(
  event: Record<string, unknown>,
  rules: EffectiveAlarmRules | null = noRules,
  withOwner = true,
): EnrichedEvent {
  const record = {
    v: 1,
    deviceId: 'd-1',
    receivedAt: '2026-12-05T12:00:01Z',
    event: { id: 'e-1', time: '2026-12-05T12:00:00Z', ...event },
  } as unknown as DeviceEventRecord;
  return { record, owner: withOwner ? owner : null, rules };
}

describe('the intake rules as a pure function', () => {
  it('opens priority-1 care alarms for a button and a fall, priority-3 technical ones for battery and power', () => {
    expect(decide(enriched({ type: 'alarm.button' }), null).decision).toEqual({
      kind: 'open',
      priority: 1,
      alarmKind: 'care',
    });
    expect(decide(enriched({ type: 'fall.detected' }), null).decision).toMatchObject({ kind: 'open', priority: 1 });
    expect(decide(enriched({ type: 'battery.low', battery: 5 }), null).decision).toEqual({
      kind: 'open',
      priority: 3,
      alarmKind: 'technical',
    });
    // A device the registry does not know still opens its alarm.
    expect(decide(enriched({ type: 'alarm.button' }, null, false), null).decision.kind).toBe('open');
  });

  it('a heartbeat is only kept, with no position and no watch', () => {
    expect(decide(enriched({ type: 'heartbeat', battery: 80 }), null)).toEqual({ decision: { kind: 'keep' } });
  });

  it('names the cancelled event and what power.restored clears', () => {
    expect(decide(enriched({ type: 'alarm.cancelled', ref: 'e-0' }), null).decision).toEqual({
      kind: 'cancel',
      ref: 'e-0',
    });
    expect(decide(enriched({ type: 'power.restored' }), null).decision).toEqual({
      kind: 'clear',
      clears: 'power.lost',
    });
  });

  it('a door opened inside the night window (Oslo time) is an alarm; outside it, kept', () => {
    const rules = { ...noRules, doorNightWindow: { start: '23:00', end: '06:00' } };
    // 23:30 UTC on 5 December is 00:30 in Oslo: inside.
    const night = decide(enriched({ type: 'door.opened', time: '2026-12-05T23:30:00Z' }, rules), null);
    expect(night.decision).toEqual({ kind: 'door_alarm', nightWindow: rules.doorNightWindow });
    const day = decide(enriched({ type: 'door.opened', time: '2026-12-05T12:00:00Z' }, rules), null);
    expect(day.decision).toEqual({ kind: 'keep' });
    expect(day.watch).toBeUndefined();
  });

  it('with an open-door limit, door.opened starts a watch due after the limit and door.closed ends it', () => {
    const rules = { ...noRules, doorOpenLimitMinutes: 15 };
    const opened = decide(enriched({ type: 'door.opened', door: 'front' }, rules), null);
    expect(opened.watch).toEqual({
      op: 'start',
      deviceId: 'd-1',
      door: 'front',
      residentId: 'r-1',
      openedEventId: 'e-1',
      openedAt: new Date('2026-12-05T12:00:00Z'),
      dueAt: new Date('2026-12-05T12:15:00Z'),
    });
    const closed = decide(enriched({ type: 'door.closed', door: 'front' }, rules), null);
    expect(closed).toEqual({ decision: { kind: 'door_closed' }, watch: { op: 'end', deviceId: 'd-1', door: 'front' } });
  });

  it('a position joins the trail; only crossing out of every zone is an alarm, and coming back is logged', () => {
    const rules = { ...noRules, safeZones: [zone] };
    const inside = { type: 'gps.position', lat: home.lat, lon: home.lon };
    const outside = { type: 'gps.position', lat: home.lat + 0.01, lon: home.lon };
    expect(decide(enriched(outside, rules), true).decision).toEqual({ kind: 'left_zone', zones: ['home'] });
    expect(decide(enriched(outside, rules), null).decision.kind).toBe('left_zone');
    // Still outside: the trail grows, the alarm does not.
    const still = decide(enriched(outside, rules), false);
    expect(still.decision).toEqual({ kind: 'keep' });
    expect(still.position).toMatchObject({ deviceId: 'd-1', residentId: 'r-1', insideSafeZone: false });
    expect(decide(enriched(inside, rules), false).decision).toEqual({ kind: 'returned', zones: ['home'] });
    expect(decide(enriched(inside, rules), true).decision).toEqual({ kind: 'keep' });
  });

  it('a resident without zones gets no GPS alarm, and the trail says "no zones then"', () => {
    const outcome = decide(enriched({ type: 'gps.position', lat: 0, lon: 0, accuracy: 12 }), false);
    expect(outcome.decision).toEqual({ kind: 'keep' });
    expect(outcome.position).toMatchObject({ insideSafeZone: null, accuracyMeters: 12 });
  });
});
