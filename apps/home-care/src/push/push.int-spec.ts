import { decrypt } from 'http_ece';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import webpush from 'web-push';
import { eventually } from '../../../../test/support/eventually';
import {
  callHomeCare,
  dispatchRequested,
  DispatchProducer,
  dispatchStored,
  nurseToken,
} from '../../../../test/support/home-care';
import { StandInPushService } from '../../../../test/support/push-service';
import { RunningService, startHomeCare } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { operatorToken } from '../../../../test/support/tokens';
import { randomUUID } from 'node:crypto';

const SUBJECT = 'mailto:drift@kommune.example';

/**
 * Web Push for new dispatches, on real Kafka and PostgreSQL, with a local HTTP server playing the
 * push service. A nurse's phone subscribes (fenced to her team); a dispatch for the team rings it:
 * the request's VAPID token must verify with the service's public key, and the payload must
 * decrypt (RFC 8291, aes128gcm) with the keys only the phone holds, and say nothing but the
 * dispatch id. A subscription the push service calls gone (410) is removed; another team's phone
 * stays quiet.
 */
describe('home care: Web Push doorbell for new dispatches', () => {
  const vapid = webpush.generateVAPIDKeys();
  let database: { url: string; drop(): Promise<void> };
  let service: RunningService;
  let pushService: StandInPushService;
  let producer: DispatchProducer;
  const team = randomUUID();
  const otherTeam = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('home_care_push');
    pushService = await StandInPushService.start();
    [service, producer] = await Promise.all([
      startHomeCare(database.url, {
        PUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
        PUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
        PUSH_VAPID_SUBJECT: SUBJECT,
        PUSH_SERVICE_HOSTS: '127.0.0.1',
        PUSH_SERVICE_CA_FILE: pushService.caFile,
      }),
      DispatchProducer.connect(),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([service?.close(), producer?.close(), pushService?.close()]);
    await database?.drop();
  });

  it('gives nurses the public key and refuses subscriptions from others, at other hosts, or without keys', async () => {
    const nurse = await nurseToken(team);
    const phone = pushService.subscription('refusals');
    const config = await callHomeCare(service.url, 'GET', '/api/push/config', nurse);
    expect(config).toMatchObject({ status: 200, body: { publicKey: vapid.publicKey } });

    const subscribe = (token: string | null, body: { endpoint: string; keys: object }) =>
      callHomeCare(service.url, 'POST', '/api/push/subscriptions', token, body);
    // As the browser's PushSubscription.toJSON() has it.
    const asBrowser = { endpoint: phone.endpoint, expirationTime: null, keys: phone.keys };
    expect((await subscribe(null, asBrowser)).status).toBe(401);
    expect((await subscribe(await operatorToken(randomUUID()), asBrowser)).status).toBe(403);
    const elsewhere = await subscribe(nurse, { ...asBrowser, endpoint: 'https://evil.example/push/x' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.message).toMatch(/push services 127\.0\.0\.1/);
    const noKeys = await subscribe(nurse, { endpoint: phone.endpoint, keys: { p256dh: 'short', auth: '' } });
    expect(noKeys.status).toBe(400);
    expect(JSON.stringify(noKeys.body.message)).toMatch(/keys\.p256dh/);
    // Another team's nurse cannot remove this team's phone.
    const plainHttp = await subscribe(nurse, { ...asBrowser, endpoint: phone.endpoint.replace('https:', 'http:') });
    expect(plainHttp.status).toBe(400);
    expect((await subscribe(nurse, asBrowser)).status).toBe(201);
    const foreign = await callHomeCare(service.url, 'DELETE', '/api/push/subscriptions', await nurseToken(otherTeam), {
      endpoint: phone.endpoint,
    });
    expect(foreign.status).toBe(404);
    const own = await callHomeCare(service.url, 'DELETE', '/api/push/subscriptions', nurse, {
      endpoint: phone.endpoint,
    });
    expect(own.status).toBe(204);
  });

  it("rings the team's phones with a signed, encrypted doorbell that only names the dispatch; a gone phone is forgotten", async () => {
    const nurse = await nurseToken(team);
    const phone = pushService.subscription('kari');
    const oldPhone = pushService.subscription('old-phone', { gone: true });
    const otherTeamsPhone = pushService.subscription('other-team');
    for (const [token, subscription] of [
      [nurse, phone],
      [nurse, oldPhone],
      [await nurseToken(otherTeam), otherTeamsPhone],
    ] as const) {
      const { endpoint, keys } = subscription;
      expect(
        (await callHomeCare(service.url, 'POST', '/api/push/subscriptions', token, { endpoint, keys })).status,
      ).toBe(201);
    }

    const record = dispatchRequested(team);
    await producer.send(record);
    await dispatchStored(service.url, record, nurse);
    const [delivered] = await eventually(async () => {
      const requests = pushService.requestsTo(phone.path);
      if (requests.length === 0 || pushService.requestsTo(oldPhone.path).length === 0) throw new Error('not rung yet');
      return requests;
    });

    // RFC 8292: "vapid t=<JWT signed ES256 by the service's key>, k=<that public key>".
    const authorization = /^vapid t=([^,]+), k=([A-Za-z0-9_-]+)$/.exec(delivered.headers.authorization ?? '');
    expect(authorization).not.toBeNull();
    const [, jwt, k] = authorization!;
    expect(k).toBe(vapid.publicKey);
    const raw = Buffer.from(vapid.publicKey, 'base64url');
    const key = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: raw.subarray(1, 33).toString('base64url'),
        y: raw.subarray(33).toString('base64url'),
      },
      'ES256',
    );
    expect(decodeProtectedHeader(jwt).alg).toBe('ES256');
    const { payload: claims } = await jwtVerify(jwt, key, { algorithms: ['ES256'], audience: pushService.origin });
    expect(claims.sub).toBe(SUBJECT);
    expect(claims.exp! - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
    // A token signed by another key does not verify: the check above can fail.
    const stranger = webpush.generateVAPIDKeys();
    const strangerRaw = Buffer.from(stranger.publicKey, 'base64url');
    const strangerKey = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: strangerRaw.subarray(1, 33).toString('base64url'),
        y: strangerRaw.subarray(33).toString('base64url'),
      },
      'ES256',
    );
    await expect(jwtVerify(jwt, strangerKey)).rejects.toThrow();

    expect(delivered.headers['content-encoding']).toBe('aes128gcm');
    expect(delivered.headers.urgency).toBe('high');
    expect(Number(delivered.headers.ttl)).toBeGreaterThan(0);
    // The body is opaque to the push service; the phone's keys open it.
    expect(delivered.body.includes(Buffer.from(record.dispatchId))).toBe(false);
    const opened = decrypt(delivered.body, { version: 'aes128gcm', privateKey: phone.ecdh, authSecret: phone.auth });
    expect(JSON.parse(opened.toString('utf8'))).toEqual({ type: 'dispatch', dispatchId: record.dispatchId });

    // 410 from the push service: the old phone's subscription is gone (removing it again finds nothing).
    await eventually(async () => {
      const again = await callHomeCare(service.url, 'DELETE', '/api/push/subscriptions', nurse, {
        endpoint: oldPhone.endpoint,
      });
      if (again.status !== 404) throw new Error(`old phone still subscribed (${again.status})`);
    });
    expect(pushService.requestsTo(otherTeamsPhone.path)).toEqual([]);
    // A redelivered record rings nobody again (the next dispatch of the same alarm comes after it, same partition).
    await producer.send(record);
    const second = dispatchRequested(team, { alarmId: record.alarmId });
    await producer.send(second);
    await eventually(async () => {
      if (pushService.requestsTo(phone.path).length < 2) throw new Error('second dispatch not rung yet');
    });
    const rung = pushService
      .requestsTo(phone.path)
      .map((request) =>
        JSON.parse(
          decrypt(request.body, { version: 'aes128gcm', privateKey: phone.ecdh, authSecret: phone.auth }).toString(),
        ),
      );
    expect(rung).toEqual([
      { type: 'dispatch', dispatchId: record.dispatchId },
      { type: 'dispatch', dispatchId: second.dispatchId },
    ]);
  });
});
