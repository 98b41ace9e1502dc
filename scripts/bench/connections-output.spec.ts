/** What a --connections run prints and writes, with and without the overflow broker. */
import { benchResult } from './bench-result.fixtures';
import { ConnectionsResult } from './idle-connections';
import { formatReport } from './report';
import { toRow } from './results-csv';

function connections(overflow: ConnectionsResult['overflow'], heldAfter: number): ConnectionsResult {
  return {
    target: 20_000,
    senders: 200,
    idleAsked: 19_800,
    idleConnected: 19_800,
    idleFailed: 0,
    connectSeconds: 30,
    heldAfter,
    brokerSockets: 19_980,
    sourceAddresses: 16,
    capped: overflow ? 'the broker can hold 19774; the other 26 on a second Mosquitto' : null,
    overflow,
  };
}

function withConnections(result: ConnectionsResult) {
  return { ...benchResult(['--connections', '20000'], null), connections: result };
}

const verdict = (text: string) => text.split('\n').find((line) => line.includes('20000 devices connected'))!;

describe('the many-connections output', () => {
  it('names the overflow broker and counts its connections among those held', () => {
    const result = withConnections(connections({ idleConnected: 26, heldAfter: 26, brokerSockets: 29 }, 20_000));
    const text = formatReport(result);
    expect(text).toContain('OVERFLOW: the broker can hold 19774');
    expect(text).toContain('of them on the overflow broker (bridged): 26 idle; sockets it holds: 29');
    expect(verdict(text)).toContain('PASS (p99 210.0 ms');
    expect(verdict(text)).toContain('(on two bridged brokers: 19974 + 26)');
    const row = toRow(result);
    expect(row.connections_held).toBe('20000');
    expect(row.connections_held_overflow).toBe('26');
  });

  it('misses the target when fewer than 20,000 are held, overflow or not', () => {
    const text = formatReport(
      withConnections(connections({ idleConnected: 26, heldAfter: 0, brokerSockets: 3 }, 19_974)),
    );
    expect(verdict(text)).toContain('MISS (only 19974 of 20000 connections held');
  });

  it('says nothing of an overflow broker when one broker held them all', () => {
    const result = withConnections(connections(null, 20_000));
    const text = formatReport(result);
    expect(text).not.toMatch(/overflow|OVERFLOW|bridged/);
    expect(verdict(text)).toMatch(/PASS \(p99 210\.0 ms; 0 of 800 alarms lost\)$/);
    expect(toRow(result).connections_held_overflow).toBe('');
  });
});
