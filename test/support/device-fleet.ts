import { RegistryApi } from './registry-api';
import { uniqueName } from './test-infra';

export interface OnboardedDevice {
  deviceId: string;
  /** The MQTT secret the registry issued at onboarding (username = client id = deviceId). */
  secret: string;
  /** The resident the device was onboarded to (unset for a device made up by a test). */
  residentId?: string;
}

export interface OnboardedFleet {
  api: RegistryApi;
  /** The response centre serving the fleet's municipality: its operators see the fleet's alarms. */
  centreId: string;
  municipalityId: string;
  /** The resident of the first device (with one resident for the fleet: everyone's). */
  residentId: string;
  devices: OnboardedDevice[];
}

/**
 * Onboards devices through the real registry, as a municipality would: a centre, a municipality
 * and a resident, then each device registered and onboarded. The registry puts each on
 * registry.devices.v1 (the ingestor's view) and gives it its broker account.
 *
 * `residentPerDevice`: every device gets a resident of its own instead of all sharing one. Care
 * alarms correlate per resident, so only then does every device's press open an alarm of its own.
 */
export async function onboardFleet(
  registryUrl: string,
  deviceIds: string[],
  kind = 'safety_alarm',
  { residentPerDevice = false } = {},
): Promise<OnboardedFleet> {
  const api = new RegistryApi(registryUrl);
  const { centreId, municipalityId } = await api.setup();
  const newResident = async (n: number): Promise<string> =>
    (
      await api.expect<{ id: string }>(201, 'POST', '/api/residents', {
        name: n === 0 ? 'Kari Nordmann' : `Kari Nordmann ${n}`,
        address: `Storgata ${n + 1}, 3015 Drammen`,
        municipalityId,
      })
    ).id;
  const shared = residentPerDevice ? null : await newResident(0);
  const devices: OnboardedDevice[] = [];
  // A few at a time: each onboarding is a scrypt hash and a broker round trip.
  for (let start = 0; start < deviceIds.length; start += 5) {
    devices.push(
      ...(await Promise.all(
        deviceIds
          .slice(start, start + 5)
          .map(async (deviceId, i) =>
            onboardOne(api, deviceId, kind, municipalityId, shared ?? (await newResident(start + i))),
          ),
      )),
    );
  }
  return { api, centreId, municipalityId, residentId: shared ?? devices[0]?.residentId ?? '', devices };
}

/** Registers one more device in stock (not onboarded); `onboard` it later with the same api. */
export async function registerInStock(
  api: RegistryApi,
  deviceId = uniqueName('stock'),
  kind = 'safety_alarm',
  municipalityId?: string,
): Promise<string> {
  await api.expect(201, 'POST', '/api/devices', {
    id: deviceId,
    serialNumber: `SN-${deviceId}`,
    kind,
    ...(municipalityId ? { municipalityId } : {}),
  });
  return deviceId;
}

export async function onboard(api: RegistryApi, deviceId: string, residentId: string): Promise<OnboardedDevice> {
  const { secret } = await api.expect<{ secret: string }>(200, 'POST', `/api/devices/${deviceId}/onboard`, {
    residentId,
  });
  return { deviceId, secret, residentId };
}

async function onboardOne(
  api: RegistryApi,
  deviceId: string,
  kind: string,
  municipalityId: string,
  residentId: string,
): Promise<OnboardedDevice> {
  await registerInStock(api, deviceId, kind, municipalityId);
  return onboard(api, deviceId, residentId);
}
