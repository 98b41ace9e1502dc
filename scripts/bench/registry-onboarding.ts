/**
 * The benchmark's devices, onboarded at the real registry as a municipality would: each then
 * has a secret to sign in at the broker with, and is on registry.devices.v1 for the ingestor.
 * Each device has a resident of its own, as in a real fleet: with one resident for all of them
 * (as before 6 December 2026), every press of the run attached to one open alarm, and the alarm
 * lane measured the wait for that one row's lock instead of the pipeline.
 */
import { DevIssuerFile, mintDevToken } from '@welfare/infra';

const CONCURRENCY = 8;

export interface OnboardedFleet {
  /** Each device's secret to sign in at the broker with. */
  secrets: Map<string, string>;
  /** The municipality the devices belong to, and the centre that serves it. */
  municipalityId: string;
  responseCentreId: string;
}

export async function onboardBenchDevices(
  registryUrl: string,
  issuer: DevIssuerFile,
  deviceIds: string[],
  tag: string,
  /** More fields of a device's registration (e.g. a SCAIP unit's `scaipControllerId`). */
  registration: (deviceId: string) => Record<string, unknown> = () => ({}),
): Promise<OnboardedFleet> {
  const systemAdmin = await mintDevToken(issuer, {
    sub: 'bench-system-admin',
    name: 'Benchmark',
    roles: ['system-admin'],
  });
  const call = async <T>(token: string, path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${registryUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`registry: POST ${path} answered ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const centre = await call<{ id: string }>(systemAdmin, '/api/response-centres', { name: `Benchmark centre ${tag}` });
  const number = String(1000 + Math.floor(Math.random() * 9000));
  const municipality = await call<{ id: string }>(systemAdmin, '/api/municipalities', {
    name: `Benchmark ${tag}`,
    number,
    responseCentreId: centre.id,
  });
  const admin = await mintDevToken(issuer, {
    sub: 'bench-municipality-admin',
    name: 'Benchmark',
    roles: ['municipality-admin'],
    municipality_id: municipality.id,
  });
  const secrets = new Map<string, string>();
  for (let start = 0; start < deviceIds.length; start += CONCURRENCY) {
    await Promise.all(
      deviceIds.slice(start, start + CONCURRENCY).map(async (id) => {
        const resident = await call<{ id: string }>(admin, '/api/residents', {
          name: `Benchmark resident ${id}`,
          address: 'Storgata 1, 7011 Trondheim',
          municipalityId: municipality.id,
        });
        await call(admin, '/api/devices', {
          id,
          serialNumber: `SN-${id}`,
          kind: 'safety_alarm',
          municipalityId: municipality.id,
          ...registration(id),
        });
        const { secret } = await call<{ secret: string }>(admin, `/api/devices/${id}/onboard`, {
          residentId: resident.id,
        });
        secrets.set(id, secret);
      }),
    );
  }
  return { secrets, municipalityId: municipality.id, responseCentreId: centre.id };
}
