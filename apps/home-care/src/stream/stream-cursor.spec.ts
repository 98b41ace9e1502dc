import { BadRequestException } from '@nestjs/common';
import { formatCursor, parseCursor, requestedCursor } from './stream-cursor';

describe('stream cursor', () => {
  it('reads and writes "tx.id"', () => {
    expect(parseCursor('5123.87')).toEqual({ tx: '5123', id: '87' });
    expect(formatCursor({ tx: '5123', id: '87' })).toBe('5123.87');
    expect(parseCursor('18446744073709551615.9223372036854775807')).toEqual({
      tx: '18446744073709551615',
      id: '9223372036854775807',
    });
  });

  it.each([
    '',
    'abc',
    '1',
    '1.',
    '.1',
    '1.2.3',
    '-1.2',
    '1.-2',
    '18446744073709551616.1',
    '1.9223372036854775808',
    '1e3.1',
  ])('refuses %j', (text) => {
    expect(parseCursor(text)).toBeNull();
  });

  it('takes Last-Event-ID over ?since=, neither means null, and a bad one is a 400 naming it', () => {
    expect(requestedCursor('2.2', '1.1')).toEqual({ tx: '2', id: '2' });
    expect(requestedCursor(undefined, '1.1')).toEqual({ tx: '1', id: '1' });
    expect(requestedCursor(undefined, undefined)).toBeNull();
    expect(() => requestedCursor('nope', '1.1')).toThrow(BadRequestException);
    expect(() => requestedCursor('nope', '1.1')).toThrow(/Last-Event-ID/);
  });
});
