import { checkEvent } from '@welfare/contracts';
import { scaipEvents } from './scaip-events';
import { parseScaipRequest, ScaipRequest } from './scaip-request';

const request = (body: string): ScaipRequest => {
  const parsed = parseScaipRequest(Buffer.from(`<mrq><ref>r1</ref><cid>42</cid>${body}</mrq>`));
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.request;
};
const context = { eventId: 'scaip.r1.1.abc', time: '2026-12-06T03:00:00.000Z', lastAlarmEventId: 'scaip.r0.1.def' };
const typesOf = (body: string) => scaipEvents(request(body), context).map((event) => event.type);

describe('scaipEvents', () => {
  it('maps status codes and message types to contract events', () => {
    expect(typesOf('<dty>2</dty><mty>ME</mty><stc>010</stc>')).toEqual(['alarm.button']);
    expect(typesOf('<dty>3</dty>')).toEqual(['alarm.button']); // no mty and no stc: a manual alarm
    expect(typesOf('<dty>2</dty><mty>ME</mty><stc>9</stc>')).toEqual(['fall.detected']);
    expect(typesOf('<dty>0005</dty><mty>ME</mty><stc>10</stc>')).toEqual(['fall.detected']);
    expect(typesOf('<dty>2</dty><mty>PI</mty><stc>0009</stc>')).toEqual(['heartbeat']);
    expect(typesOf('<dty>14</dty><mty>IN</mty><stc>76</stc>')).toEqual(['door.opened']);
    expect(typesOf('<dty>14</dty><mty>IN</mty><stc>21</stc>')).toEqual(['door.closed']);
    expect(typesOf('<dty>41</dty><mty>IN</mty><stc>85</stc>')).toEqual(['power.lost']);
    expect(typesOf('<dty>41</dty><mty>IN</mty><stc>86</stc>')).toEqual(['power.restored']);
    expect(typesOf('<dty>2</dty><mty>IN</mty><stc>16</stc>')).toEqual(['battery.low']);
    expect(typesOf('<dty>2</dty><mty>IN</mty><stc>14</stc>')).toEqual(['battery.low']);
    expect(typesOf('<dty>2</dty><mty>IN</mty><stc>102</stc>')).toEqual(['heartbeat']);
  });

  it('turns a cancel or RE into alarm.cancelled of the latest alarm', () => {
    for (const body of ['<dty>2</dty><mty>ME</mty><stc>19</stc>', '<dty>2</dty><mty>RE</mty>']) {
      const [event] = scaipEvents(request(body), context);
      expect(event).toMatchObject({ type: 'alarm.cancelled', ref: 'scaip.r0.1.def' });
    }
  });

  it('opens a priority-1 alarm for an ME status code it does not know, carrying the raw codes', () => {
    const [event] = scaipEvents(
      request('<dty>0002</dty><mty>ME</mty><stc>0067</stc><stt>odd</stt><crd>gsm:+4791234567</crd>'),
      context,
    );
    expect(event).toMatchObject({
      type: 'alarm.button',
      unknownStatusCode: true,
      scaip: { stc: '0067', stt: 'odd', dty: '0002', crd: 'gsm:+4791234567', cid: '42' },
    });
  });

  it('adds a gps.position for a position, and every event passes the contract validator', () => {
    const events = scaipEvents(
      request('<dty>51</dty><mty>ME</mty><stc>10</stc><lco>035</lco><lge><geo>59.91,10.75</geo></lge>'),
      context,
    );
    expect(events.map((event) => event.type)).toEqual(['alarm.button', 'gps.position']);
    expect(events[1]).toMatchObject({ id: 'scaip.r1.1.abc.pos', lat: 59.91, lon: 10.75 });
    for (const event of events) expect(checkEvent(event)).toHaveProperty('event');
  });
});
