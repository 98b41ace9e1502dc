import { depthExceeds } from './json-depth.middleware';

const nested = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

describe('depthExceeds', () => {
  it('accepts ordinary bodies and scalars', () => {
    expect(depthExceeds({ outcome: 'other', note: 'x', tags: [{ a: 1 }] }, 32)).toBe(false);
    expect(depthExceeds('text', 32)).toBe(false);
    expect(depthExceeds(null, 32)).toBe(false);
  });

  it('draws the line at the limit', () => {
    expect(depthExceeds(nested(32), 32)).toBe(false);
    expect(depthExceeds(nested(33), 32)).toBe(true);
  });

  it('walks a body far deeper than the call stack allows without overflowing', () => {
    expect(depthExceeds(nested(100_000), 32)).toBe(true);
  });
});
