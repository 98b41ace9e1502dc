import { formatCursor, laterCursor, parseCursor } from './feed-cursor';

describe('feed cursor', () => {
  it('reads and writes "tx.id", keeping 64-bit values exact', () => {
    expect(parseCursor('734.12')).toEqual({ tx: '734', id: '12' });
    expect(parseCursor(' 0.0 ')).toEqual({ tx: '0', id: '0' });
    expect(formatCursor(parseCursor('18446744073709551615.9223372036854775807')!)).toBe(
      '18446744073709551615.9223372036854775807',
    );
    expect(parseCursor('007.01')).toEqual({ tx: '7', id: '1' });
  });

  it('refuses anything else', () => {
    for (const text of [
      '',
      '12',
      '12.',
      '.12',
      '1.2.3',
      '-1.2',
      '1.-2',
      'a.b',
      '1e3.1',
      '18446744073709551616.1',
      '1.9223372036854775808',
      '1.2; DROP TABLE x',
    ]) {
      expect({ text, cursor: parseCursor(text) }).toEqual({ text, cursor: null });
    }
  });

  it('compares positions by transaction, then id, as numbers', () => {
    const at = (text: string) => parseCursor(text)!;
    expect(laterCursor(at('9.100'), at('10.1'))).toEqual(at('10.1'));
    expect(laterCursor(at('10.2'), at('10.10'))).toEqual(at('10.10'));
    expect(laterCursor(at('18446744073709551615.0'), at('18446744073709551614.9'))).toEqual(
      at('18446744073709551615.0'),
    );
  });
});
