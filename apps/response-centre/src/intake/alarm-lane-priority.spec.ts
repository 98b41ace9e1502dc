import { jest } from '@jest/globals';
import { AlarmLanePriority } from './alarm-lane-priority';

/** A promise settled from outside, to hold an alarm batch open as long as a test needs. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('AlarmLanePriority', () => {
  afterEach(() => jest.useRealTimers());

  it('starts a telemetry batch at once when no alarm batch is being stored', async () => {
    const priority = new AlarmLanePriority(60_000);
    await expect(priority.telemetryBatch(async () => 'stored')).resolves.toBe('stored');
  });

  it('holds a telemetry batch back until every alarm batch under way has finished', async () => {
    const priority = new AlarmLanePriority(60_000);
    const order: string[] = [];
    const first = gate();
    const second = gate();
    const alarms = [
      priority.alarmBatch(() => first.promise.then(() => order.push('alarm 1'))),
      priority.alarmBatch(() => second.promise.then(() => order.push('alarm 2'))),
    ];
    const telemetry = priority.telemetryBatch(async () => order.push('telemetry'));
    first.open();
    await alarms[0];
    expect(order).toEqual(['alarm 1']);
    second.open();
    await Promise.all([...alarms, telemetry]);
    expect(order).toEqual(['alarm 1', 'alarm 2', 'telemetry']);
    expect(priority.alarmsInProgress).toBe(0);
  });

  it('an alarm batch that starts after telemetry asked does not hold it back longer', async () => {
    const priority = new AlarmLanePriority(60_000);
    const order: string[] = [];
    const first = gate();
    const later = gate();
    const alarm = priority.alarmBatch(() => first.promise.then(() => order.push('alarm under way')));
    const telemetry = priority.telemetryBatch(async () => order.push('telemetry'));
    const next = priority.alarmBatch(() => later.promise.then(() => order.push('later alarm')));
    first.open();
    await Promise.all([alarm, telemetry]);
    expect(order).toEqual(['alarm under way', 'telemetry']);
    later.open();
    await next;
  });

  it('lets telemetry in after the longest wait even while alarm batches never stop', async () => {
    jest.useFakeTimers();
    const priority = new AlarmLanePriority(1000);
    const endless = gate();
    const alarm = priority.alarmBatch(() => endless.promise);
    let started = false;
    const telemetry = priority.telemetryBatch(async () => (started = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(started).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await telemetry;
    expect(started).toBe(true);
    endless.open();
    await alarm;
  });

  it('an alarm batch that fails still frees the lane', async () => {
    const priority = new AlarmLanePriority(60_000);
    await expect(priority.alarmBatch(() => Promise.reject(new Error('database away')))).rejects.toThrow(
      'database away',
    );
    expect(priority.alarmsInProgress).toBe(0);
    await expect(priority.telemetryBatch(async () => 'stored')).resolves.toBe('stored');
  });
});
