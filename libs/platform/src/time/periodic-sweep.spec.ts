import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { PeriodicSweep } from './periodic-sweep';

describe('PeriodicSweep', () => {
  const logger = () => ({ error: jest.fn() }) as unknown as Logger & { error: ReturnType<typeof jest.fn> };

  it('runs one sweep at a time: a tick during a sweep joins it', async () => {
    const sweep = new PeriodicSweep(logger(), 'test sweep');
    let release!: (value: number) => void;
    const work = jest.fn(() => new Promise<number>((resolve) => (release = resolve)));
    const first = sweep.run(work);
    const second = sweep.run(work);
    expect(work).toHaveBeenCalledTimes(1);
    release(3);
    expect(await first).toBe(3);
    expect(await second).toBe(3);
    expect(sweep.current).toBeNull();
  });

  it('logs a failed sweep, answers 0, and the next tick runs again', async () => {
    const log = logger();
    const sweep = new PeriodicSweep(log, 'test sweep');
    expect(await sweep.run(() => Promise.reject(new Error('database away')))).toBe(0);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error) }),
      'test sweep failed; retrying on the next tick',
    );
    expect(await sweep.run(async () => 5)).toBe(5);
  });
});
