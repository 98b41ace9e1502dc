import { hostileJsonProblem } from './hostile-json.middleware';

const nested = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

describe('hostileJsonProblem', () => {
  it('accepts ordinary bodies and scalars', () => {
    expect(hostileJsonProblem({ outcome: 'other', note: 'x', tags: [{ a: 1 }] }, 32)).toBeNull();
    expect(hostileJsonProblem('text', 32)).toBeNull();
    expect(hostileJsonProblem(null, 32)).toBeNull();
  });

  it('draws the depth line at the limit', () => {
    expect(hostileJsonProblem(nested(32), 32)).toBeNull();
    expect(hostileJsonProblem(nested(33), 32)).toBe('JSON body nests deeper than 32 levels');
  });

  it('walks a body far deeper than the call stack allows without overflowing', () => {
    expect(hostileJsonProblem(nested(100_000), 32)).toMatch(/deeper than 32/);
  });

  it.each(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'])(
    'refuses the key %s at any depth',
    (key) => {
      expect(hostileJsonProblem(JSON.parse(`{"text":"a","${key}":{"polluted":"yes"}}`), 32)).toBe(
        `field "${key}" is not allowed`,
      );
      expect(hostileJsonProblem(JSON.parse(`{"a":[{"b":{"${key}":1}}]}`), 32)).toBe(`field "${key}" is not allowed`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
