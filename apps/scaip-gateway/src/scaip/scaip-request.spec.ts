import { parseScaipRequest, Snu } from './scaip-request';

const parse = (body: string | Buffer) => parseScaipRequest(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));

describe('parseScaipRequest', () => {
  it("reads four vendors' captured shapes, with their quirks smoothed out", () => {
    // essence: zero-padded three-digit stc; possum: no mty, unpadded dty and stc; telealarm: 16-char ref; climax: leading space in cid
    expect(
      parse(
        '<mrq><ref>00001883</ref><cha>0</cha><mty>ME</mty><cid>26317</cid><dty>02</dty><did>00</did><crd>gsm:+4791234567</crd><stc>010</stc></mrq>',
      ),
    ).toMatchObject({
      ok: true,
      request: { ref: '00001883', cid: '26317', dty: 2, mty: 'ME', stc: 10, did: '00' },
    });
    expect(
      parse('<mrq><ref>1193308443</ref><cid>10149471</cid><dty>3</dty><stc>10</stc><crd>gsm:</crd></mrq>'),
    ).toMatchObject({
      ok: true,
      request: { mty: 'ME', dty: 3, stc: 10, did: null },
    });
    expect(parse('<mrq><mty>PI</mty><ref>1998218577</ref><cid>10149471</cid><dty>2</dty></mrq>')).toMatchObject({
      ok: true,
      request: { mty: 'PI', stc: null },
    });
    expect(
      parse('<mrq><ref>v6l7eiuzBTfybE7j</ref><cid>999998</cid><dty>0004</dty><mty>ME</mty><stc>0010</stc></mrq>'),
    ).toMatchObject({
      ok: true,
      request: { ref: 'v6l7eiuzBTfybE7j', dty: 4, stc: 10 },
    });
    expect(
      parse('<?xml version="1.0"?><mrq><ref>00020486</ref><cid> 2342566343454</cid><dty>02</dty><stc>102</stc></mrq>'),
    ).toMatchObject({
      ok: true,
      request: { cid: '2342566343454', stc: 102 },
    });
  });

  it('gives the matching snu for a missing tag, wrong data and a body that is not SCAIP', () => {
    expect(parse('<mrq><ref>1</ref><dty>2</dty></mrq>')).toMatchObject({ ok: false, snu: Snu.mandatoryTagMissing });
    expect(parse('<mrq><ref>1</ref><cid>abc</cid><dty>2</dty></mrq>')).toMatchObject({
      ok: false,
      snu: Snu.wrongData,
      reason: 'invalid_cid',
    });
    expect(parse('<mrq><ref>1</ref><cid>1</cid><dty>2</dty><mty>XX</mty></mrq>')).toMatchObject({
      ok: false,
      snu: Snu.wrongData,
    });
    expect(parse('<mrq><ref>1</ref><cid>1</cid><dty>2</dty>')).toMatchObject({
      ok: false,
      snu: Snu.invalidFormat,
      reason: 'invalid_xml',
    });
    expect(parse('<mrs><ref>1</ref><snu>0</snu></mrs>')).toMatchObject({
      ok: false,
      snu: Snu.invalidFormat,
      reason: 'not_an_mrq',
    });
  });

  it('refuses external entities and entity expansion without resolving them', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE mrq [<!ENTITY x SYSTEM "file:///etc/passwd">]><mrq><ref>1</ref><cid>1</cid><dty>2</dty><dte>&x;</dte></mrq>';
    const laughs =
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><mrq><ref>1</ref><cid>1</cid><dty>2</dty><dte>&lol2;</dte></mrq>';
    expect(parse(xxe)).toMatchObject({ ok: false, snu: Snu.invalidFormat, reason: 'xml_doctype' });
    expect(parse(laughs)).toMatchObject({ ok: false, snu: Snu.invalidFormat, reason: 'xml_doctype' });
    // An entity without any declaration is an error too, never looked up.
    expect(parse('<mrq><ref>1</ref><cid>1</cid><dty>2</dty><dte>&x;</dte></mrq>')).toMatchObject({
      ok: false,
      reason: 'invalid_xml',
    });
  });

  it('refuses oversized bodies, deep nesting and bytes that are not UTF-8', () => {
    expect(parse(`<mrq><ref>1</ref><cid>1</cid><dty>2</dty><dte>${'a'.repeat(5000)}</dte></mrq>`)).toMatchObject({
      ok: false,
      snu: Snu.tooLong,
      reason: 'body_too_large',
    });
    expect(
      parse(`<mrq>${'<a>'.repeat(50)}${'</a>'.repeat(50)}<ref>1</ref><cid>1</cid><dty>2</dty></mrq>`),
    ).toMatchObject({
      ok: false,
      reason: 'xml_too_deep',
    });
    const latin1 = Buffer.concat([
      Buffer.from('<mrq><ref>1</ref><cid>1</cid><dty>2</dty><dte>'),
      Buffer.from([0xe6, 0xf8]),
      Buffer.from('</dte></mrq>'),
    ]);
    expect(parse(latin1)).toMatchObject({ ok: false, snu: Snu.invalidFormat, reason: 'invalid_utf8' });
  });
});
