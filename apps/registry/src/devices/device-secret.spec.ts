import { hashDeviceSecret, issueDeviceSecret, verifyDeviceSecret } from './device-secret';

describe('device secrets', () => {
  it('issues a random secret and a salted scrypt hash that verifies it and nothing else', async () => {
    const issued = await issueDeviceSecret();
    expect(issued.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(issued.hash).not.toContain(issued.secret);
    await expect(verifyDeviceSecret(issued.secret, issued.hash)).resolves.toBe(true);
    await expect(verifyDeviceSecret(`${issued.secret}x`, issued.hash)).resolves.toBe(false);
    await expect(verifyDeviceSecret((await issueDeviceSecret()).secret, issued.hash)).resolves.toBe(false);
  });

  it('salts every hash, so one secret hashes differently each time', async () => {
    expect(await hashDeviceSecret('same')).not.toBe(await hashDeviceSecret('same'));
  });

  it('never matches a missing or malformed hash', async () => {
    await expect(verifyDeviceSecret('x', null)).resolves.toBe(false);
    await expect(verifyDeviceSecret('x', 'plain-x')).resolves.toBe(false);
    await expect(verifyDeviceSecret('x', 'scrypt$16384$8$1$$')).resolves.toBe(false);
  });
});
