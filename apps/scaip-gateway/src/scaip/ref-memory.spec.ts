import { RefMemory } from './ref-memory';
import { parseScaipRequest, ScaipRequest } from './scaip-request';

const request = (ref: string, stc = '10'): ScaipRequest => {
  const parsed = parseScaipRequest(
    Buffer.from(`<mrq><ref>${ref}</ref><cid>42</cid><dty>2</dty><stc>${stc}</stc></mrq>`),
  );
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.request;
};
const MINUTE = 60_000;

describe('RefMemory', () => {
  it('gives a resend the original id and time, also across a window boundary', () => {
    const memory = new RefMemory(10 * MINUTE);
    const start = 10 * MINUTE * 1000 + 9 * MINUTE; // one minute before a boundary
    const first = memory.identify('dev-1', request('A1'), start);
    expect(memory.identify('dev-1', request('A1'), start + 2 * MINUTE)).toEqual(first);
    expect(first.eventId).toMatch(/^scaip\.A1\.\d+\.[0-9a-f]{8}$/);
  });

  it('makes a ref reused later, or with other content, a new event', () => {
    const memory = new RefMemory(10 * MINUTE);
    const first = memory.identify('dev-1', request('A1'), 0);
    expect(memory.identify('dev-1', request('A1', '19'), MINUTE).eventId).not.toBe(first.eventId);
    expect(memory.identify('dev-1', request('A1'), 11 * MINUTE).eventId).not.toBe(first.eventId);
    expect(memory.identify('dev-1', request('A1'), 3 * 24 * 60 * MINUTE).eventId).not.toBe(first.eventId);
  });

  it('derives the same id after a restart within the same window (nothing remembered)', () => {
    const before = new RefMemory(10 * MINUTE).identify('dev-1', request('A1'), MINUTE);
    const after = new RefMemory(10 * MINUTE).identify('dev-1', request('A1'), 5 * MINUTE);
    expect(after.eventId).toBe(before.eventId);
  });
});
