import { FloodGuard } from './flood-guard';

describe('FloodGuard', () => {
  it('refuses a source over its rate per minute, others unaffected, and admits it again a minute later', () => {
    const guard = new FloodGuard(3);
    expect([0, 1, 2, 3].map((ms) => guard.admit('10.0.0.1', ms))).toEqual([true, true, true, false]);
    expect(guard.admit('10.0.0.2', 4)).toBe(true);
    expect(guard.admit('10.0.0.1', 30_000)).toBe(false);
    expect(guard.admit('10.0.0.1', 61_000)).toBe(true);
  });
});
