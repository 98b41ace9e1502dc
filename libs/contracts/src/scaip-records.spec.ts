import { decodeScaipUnitAlarmRecord, encodeScaipUnitAlarmRecord, ScaipUnitAlarmRecord } from './scaip-records';

describe('SCAIP unit alarm records', () => {
  const record: ScaipUnitAlarmRecord = {
    v: 1,
    deviceId: 'scaip-26317',
    eventId: 'scaip.00001883.2993.1a2b3c4d',
    sentAt: '2026-12-06T05:00:00.000Z',
  };

  it('decodes what it encodes', () => {
    expect(decodeScaipUnitAlarmRecord(encodeScaipUnitAlarmRecord(record))).toEqual(record);
  });

  it('says why a record is not one', () => {
    expect(decodeScaipUnitAlarmRecord(null)).toEqual({ problem: 'record has no value' });
    expect(decodeScaipUnitAlarmRecord(Buffer.from('{'))).toMatchObject({ problem: expect.stringMatching(/not JSON/) });
    expect(decodeScaipUnitAlarmRecord(Buffer.from(JSON.stringify({ ...record, v: 2 })))).toMatchObject({
      problem: expect.stringMatching(/v1/),
    });
    expect(decodeScaipUnitAlarmRecord(Buffer.from(JSON.stringify({ ...record, eventId: 'a b' })))).toMatchObject({
      problem: expect.stringMatching(/eventId/),
    });
    expect(decodeScaipUnitAlarmRecord(Buffer.from(JSON.stringify({ ...record, sentAt: 'soon' })))).toMatchObject({
      problem: expect.stringMatching(/sentAt/),
    });
  });
});
