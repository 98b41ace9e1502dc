import * as sip from 'sip';
import * as digest from 'sip/digest.js';
import type { SipMessage } from 'sip';
import { DigestAuthenticator } from './digest-authenticator';

const message = (): SipMessage => ({
  method: 'MESSAGE',
  uri: 'sip:scaip@127.0.0.1:5060',
  version: '2.0',
  headers: {
    via: [{ host: '127.0.0.1', port: 5070, params: { branch: 'z9hG4bK1' } }],
    from: { uri: 'sip:26317@127.0.0.1', params: { tag: 'a' } },
    to: { uri: 'sip:scaip@127.0.0.1', params: {} },
    'call-id': 'c1',
    cseq: { method: 'MESSAGE', seq: 1 },
  },
  content: '<mrq/>',
});

describe('DigestAuthenticator', () => {
  const realm = 'scaip';
  const ha1 = digest.calculateUserRealmPasswordHash('26317', realm, 'right secret');

  /** The `sip` package's own client side answers the challenge, as a unit would. */
  function signed(auth: DigestAuthenticator, password: string, user = '26317') {
    const challenge = auth.challenge(sip.makeResponse(message(), 401, 'Unauthorized'), 0);
    const request = message();
    const context = digest.signRequest({}, request, challenge, { user, password });
    return { request, context, challenge };
  }

  it('accepts the right secret, and asks for credentials when there are none', () => {
    const auth = new DigestAuthenticator(realm);
    expect(auth.verify(signed(auth, 'right secret').request, '26317', ha1, 1000)).toEqual({ ok: true });
    expect(auth.verify(message(), '26317', ha1, 1000)).toMatchObject({ ok: false, reason: null });
  });

  it('refuses a wrong secret, another controller id, a replay and an expired nonce', () => {
    const auth = new DigestAuthenticator(realm);
    expect(auth.verify(signed(auth, 'wrong').request, '26317', ha1, 1000)).toMatchObject({ reason: 'digest_wrong' });
    expect(auth.verify(signed(auth, 'right secret', '99').request, '26317', ha1, 1000)).toMatchObject({
      reason: 'digest_wrong',
    });
    const { request, context, challenge } = signed(auth, 'right secret');
    expect(auth.verify(request, '26317', ha1, 1000)).toEqual({ ok: true });
    expect(auth.verify(request, '26317', ha1, 2000)).toMatchObject({ reason: 'digest_replayed' });
    // The next request on the same nonce with a higher count passes.
    const next = message();
    digest.signRequest(context, next, challenge, { user: '26317', password: 'right secret' });
    expect(auth.verify(next, '26317', ha1, 3000)).toEqual({ ok: true });
    expect(auth.verify(signed(auth, 'right secret').request, '26317', ha1, 10 * 60_000)).toMatchObject({
      ok: false,
      reason: null,
    });
  });
});
