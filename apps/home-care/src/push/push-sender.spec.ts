import { isAllowedPushEndpoint } from './push-sender';

describe('isAllowedPushEndpoint: the service only sends to the push services it is configured for', () => {
  const hosts = ['fcm.googleapis.com', 'push.services.mozilla.com'];

  it.each([
    ['https://fcm.googleapis.com/fcm/send/abc', true],
    ['https://updates.push.services.mozilla.com/wpush/v2/abc', true],
    ['http://fcm.googleapis.com/fcm/send/abc', false],
    ['https://fcm.googleapis.com.evil.example/x', false],
    ['https://evilfcm.googleapis.com.example/x', false],
    ['https://10.0.0.5/internal', false],
    ['not a url', false],
  ])('%s -> %s', (endpoint, allowed) => {
    expect(isAllowedPushEndpoint(endpoint, hosts)).toBe(allowed);
  });
});
