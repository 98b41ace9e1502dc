import { hasVoice, receiptBody } from './receipt';

describe('SCAIP receipt', () => {
  it('echoes the ref and the snu, with a refusal text escaped', () => {
    expect(receiptBody('00001883', 0)).toBe('<mrs><ref>00001883</ref><snu>0</snu></mrs>');
    expect(receiptBody('77', 7, 'missing <cid>')).toBe(
      '<mrs><ref>77</ref><snu>7</snu><ste>missing &#60;cid&#62;</ste></mrs>',
    );
  });

  it("tells a unit with voice to call the centre's number when one is set", () => {
    expect(receiptBody('1', 0, undefined, { number: '+4722334455' })).toBe(
      '<mrs><ref>1</ref><snu>0</snu><mre>1</mre><cre>62</cre><tnu>+4722334455</tnu></mrs>',
    );
  });

  it('knows a unit with voice by its crd', () => {
    expect(hasVoice('gsm:+4791234567')).toBe(true);
    expect(hasVoice('sip:unit@example.org')).toBe(true);
    expect(hasVoice('gsm:')).toBe(true);
    expect(hasVoice('no-voice:')).toBe(false);
    expect(hasVoice(' NO-VOICE:')).toBe(false);
    expect(hasVoice(undefined)).toBe(false);
    expect(hasVoice('')).toBe(false);
  });
});
