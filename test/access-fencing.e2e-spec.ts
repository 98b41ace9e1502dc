import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Client } from 'pg';
import { base64url, exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { mintDevToken } from '../infra/src/dev-token-issuer';
import { readFileSync } from 'node:fs';
import { DeviceEventRecord, encodeRecord, KafkaTopics } from '@welfare/contracts';
import { eventually } from './support/eventually';
import { RegistryApi } from './support/registry-api';
import { RunningService, startHomeCare, startRegistry, startResponseCentre } from './support/running-services';
import { createTestDatabase } from './support/test-database';
import { testInfra, uniqueName } from './support/test-infra';
import {
  homeCareToken,
  municipalityAdminToken,
  operatorToken,
  supervisorToken,
  systemAdminToken,
  tokenFor,
} from './support/tokens';

/** One tenant: a centre, a municipality it serves, a team, a resident with an onboarded device, an alarm, and a dispatch of it to the team. */
interface Tenant {
  centreId: string;
  municipalityId: string;
  municipalityNumber: string;
  teamId: string;
  residentId: string;
  residentName: string;
  address: string;
  deviceId: string;
  alarmId: string;
  /** A dispatch of the alarm to the tenant's team (taken by the tenant's operator first), as home care has it. */
  dispatchId: string;
}

type Service = 'registry' | 'centre' | 'home-care';

/** A caller who must not get the target's data: the answer is 401, 403 or 404, or a list without it. */
interface Intruder {
  who: string;
  token: () => Promise<string>;
}

interface Route {
  service: Service;
  method: string;
  /** The OpenAPI path, e.g. /api/residents/{id}. */
  path: string;
  /** The real path on tenant A's data. */
  url: (a: Tenant) => string;
  body?: (a: Tenant) => unknown;
  /** Callers of the right role and tenant: the answer is 2xx (checked on the non-destructive routes). */
  allowed?: (a: Tenant) => Promise<string>;
  /** What `allowed` gets when not 200 (201 for a route that creates). */
  allowedStatus?: number;
}

const NAME = `Fenced Resident ${randomUUID().slice(0, 8)}`;

/**
 * Tenancy, end to end: two response centres, each serving one municipality with its team,
 * resident, device and alarm, on the real registry, response centre and home-care service over
 * Kafka and PostgreSQL (each alarm dispatched to its resident's team: the test plays the centre's
 * side of dispatches.v1). Every endpoint of the three services (taken from their OpenAPI documents, so a new
 * endpoint without a case here fails) is called with no token, with tokens of every role that
 * may not call it, and with the right role of the other tenant: the answer is 401, 403 or 404
 * (or a list without tenant A's rows) and tenant A's data appears nowhere in it. Then: tokens
 * the services must refuse, and the access log of personal-data reads.
 */
describe('access: bearer tokens, roles and tenant fencing on every endpoint', () => {
  let registryDb: { url: string; drop(): Promise<void> };
  let centreDb: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let centre: RunningService;
  let homeCareDb: { url: string; drop(): Promise<void> };
  let homeCare: RunningService;
  let producer: Producer;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    [registryDb, centreDb, homeCareDb] = await Promise.all([
      createTestDatabase('fence_registry'),
      createTestDatabase('fence_centre'),
      createTestDatabase('fence_home_care'),
    ]);
    [registry, centre, homeCare] = await Promise.all([
      startRegistry(registryDb.url),
      startResponseCentre(centreDb.url, { KAFKA_CONSUMER_GROUP: uniqueName('fence') }),
      startHomeCare(homeCareDb.url),
    ]);
    const kafka = new Kafka({
      clientId: uniqueName('fence'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    [a, b] = await Promise.all([tenant(), tenant()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect()]);
    await Promise.allSettled([registry?.close(), centre?.close(), homeCare?.close()]);
    await Promise.allSettled([registryDb?.drop(), centreDb?.drop(), homeCareDb?.drop()]);
  });

  async function tenant(): Promise<Tenant> {
    const api = new RegistryApi(registry.url);
    const place = await api.setup();
    const address = `Fenceveien ${uniqueName('no')}`;
    const resident = await api.expect(201, 'POST', '/api/residents', {
      name: NAME,
      address,
      municipalityId: place.municipalityId,
      homeCareTeamId: place.teamId,
    });
    const deviceId = uniqueName('fenced');
    await api.expect(201, 'POST', '/api/devices', {
      id: deviceId,
      serialNumber: `SN-${deviceId}`,
      kind: 'safety_alarm',
    });
    await api.expect(200, 'POST', `/api/devices/${deviceId}/onboard`, { residentId: resident.id });
    const alarmId = await raiseAlarm(deviceId, place.centreId);
    const dispatchId = await dispatchHomeCare(place, alarmId);
    return { ...place, residentId: resident.id, residentName: NAME, address, deviceId, alarmId, dispatchId };
  }

  /**
   * The tenant's operator takes the alarm and dispatches the tenant's team (the registry has
   * published the team to the centre); home care takes it from dispatches.v1.
   */
  async function dispatchHomeCare(place: { centreId: string; teamId: string }, alarmId: string): Promise<string> {
    const token = await operatorToken(place.centreId);
    const post = (path: string, body?: unknown) =>
      fetch(`${centre.url}/api/alarms/${alarmId}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await post('/acknowledge')).status).toBe(200);
    // The dispatch carries the resident as the centre knows them (registry.residents.v1): wait for that.
    await eventually(async () => {
      const detail = await fetch(`${centre.url}/api/alarms/${alarmId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await detail.json()) as { resident: unknown }).resident).not.toBeNull();
    }, 30_000);
    const dispatchId = await eventually(async () => {
      const answer = await post('/dispatches', { homeCareTeamId: place.teamId, instructions: 'Visit the resident' });
      if (answer.status !== 201)
        throw new Error(`dispatch answered ${answer.status} (the team may not be in the centre's view yet)`);
      return ((await answer.json()) as { dispatches: { id: string }[] }).dispatches[0].id;
    });
    const nurse = await homeCareToken(place.teamId);
    await eventually(async () => {
      const answer = await fetch(`${homeCare.url}/api/dispatches/${dispatchId}`, {
        headers: { authorization: `Bearer ${nurse}` },
      });
      if (answer.status !== 200) throw new Error(`dispatch not at home care yet (${answer.status})`);
    }, 30_000);
    return dispatchId;
  }

  /** A button press as the ingestor puts it on Kafka; waits until the alarm is placed in the device's centre. */
  async function raiseAlarm(deviceId: string, centreId: string, type = 'alarm.button'): Promise<string> {
    const token = await operatorToken(centreId);
    return eventually(async () => {
      const eventId = uniqueName('press');
      const record: DeviceEventRecord = {
        v: 1,
        deviceId,
        receivedAt: new Date().toISOString(),
        event: { id: eventId, type, time: new Date().toISOString() } as DeviceEventRecord['event'],
      };
      await producer.send({
        topic: KafkaTopics.deviceEvents,
        messages: [{ key: deviceId, value: encodeRecord(record) }],
      });
      const alarm = await eventually(async () => {
        const queue = (await (
          await fetch(`${centre.url}/api/alarms?limit=500`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { id: string; triggerEventId: string; responseCentreId: string | null }[];
        const found = queue.find((candidate) => candidate.triggerEventId === eventId);
        if (!found) throw new Error('alarm not opened yet');
        return found;
      }, 10_000);
      // Pressed before the registry view had the device: unplaced; press again once it has it.
      if (alarm.responseCentreId !== centreId) throw new Error('alarm not placed in the centre yet');
      return alarm.id;
    }, 60_000);
  }

  async function call(
    service: Service,
    method: string,
    url: string,
    token: string | null,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    const base = { registry: registry.url, centre: centre.url, 'home-care': homeCare.url }[service];
    const csv = typeof body === 'string';
    const headers: Record<string, string> = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': csv ? 'text/csv' : 'application/json' }),
    };
    const abort = new AbortController();
    const response = await fetch(`${base}${url}`, {
      method,
      headers,
      body: body === undefined ? undefined : csv ? body : JSON.stringify(body),
      signal: abort.signal,
    });
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream'))
      return { status: response.status, text: await response.text() };
    return { status: response.status, text: await replayOf(response, abort, service === 'centre') };
  }

  /**
   * A live stream never ends by itself. The centre's says "ready" once its replay is over: read
   * up to that. Home care's says "ready" on connecting and then replays: read it for 1.5 s.
   */
  async function replayOf(response: Response, abort: AbortController, untilReady: boolean): Promise<string> {
    const decoder = new TextDecoder();
    let text = '';
    const deadline = setTimeout(() => abort.abort(), untilReady ? 15_000 : 1500);
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (untilReady && text.includes('event: ready')) break;
      }
    } catch {
      // Aborted at the deadline: what was read is the answer (and lacks "ready", so a check fails).
    } finally {
      clearTimeout(deadline);
      abort.abort();
    }
    return text;
  }

  const ROLES_OF_A = (t: Tenant): Record<string, () => Promise<string>> => ({
    'system admin': () => systemAdminToken(),
    [`municipality admin`]: () => municipalityAdminToken(t.municipalityId),
    operator: () => operatorToken(t.centreId),
    supervisor: () => supervisorToken(t.centreId),
    'home-care nurse': () => homeCareToken(t.teamId),
  });

  const csvFor = (t: Tenant) =>
    `municipality_number,resident_name,address,device_id,serial_number,device_kind\n${t.municipalityNumber},Intruder,Nowhere 1,${uniqueName('imp')},SN-${uniqueName('imp')},safety_alarm\n`;

  /** Every endpoint, and who may call it for tenant A. Destructive routes have no `allowed` check. */
  const ROUTES: Route[] = [
    {
      service: 'registry',
      method: 'GET',
      path: '/api/response-centres',
      url: () => '/api/response-centres',
      allowed: (t) => operatorToken(t.centreId),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/response-centres/{id}',
      url: (t) => `/api/response-centres/${t.centreId}`,
      allowed: (t) => supervisorToken(t.centreId),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/response-centres',
      url: () => '/api/response-centres',
      body: () => ({ name: uniqueName('intruder') }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/response-centres/{id}',
      url: (t) => `/api/response-centres/${t.centreId}`,
      body: () => ({ name: uniqueName('renamed') }),
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/response-centres/{id}',
      url: (t) => `/api/response-centres/${t.centreId}`,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/municipalities',
      url: () => '/api/municipalities',
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/municipalities/{id}',
      url: (t) => `/api/municipalities/${t.municipalityId}`,
      allowed: (t) => operatorToken(t.centreId),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/municipalities',
      url: () => '/api/municipalities',
      body: (t) => ({ number: '0001', name: 'Intruder', responseCentreId: t.centreId }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/municipalities/{id}',
      url: (t) => `/api/municipalities/${t.municipalityId}`,
      body: () => ({ name: 'Renamed' }),
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/municipalities/{id}',
      url: (t) => `/api/municipalities/${t.municipalityId}`,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/home-care-teams',
      url: () => '/api/home-care-teams',
      allowed: (t) => homeCareToken(t.teamId),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/home-care-teams/{id}',
      url: (t) => `/api/home-care-teams/${t.teamId}`,
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/home-care-teams',
      url: () => '/api/home-care-teams',
      body: (t) => ({ municipalityId: t.municipalityId, name: uniqueName('intruder') }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/home-care-teams/{id}',
      url: (t) => `/api/home-care-teams/${t.teamId}`,
      body: () => ({ name: uniqueName('renamed') }),
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/home-care-teams/{id}',
      url: (t) => `/api/home-care-teams/${t.teamId}`,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents',
      url: () => '/api/residents',
      allowed: (t) => homeCareToken(t.teamId),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents/{id}',
      url: (t) => `/api/residents/${t.residentId}`,
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents/{id}/access-log',
      url: (t) => `/api/residents/${t.residentId}/access-log`,
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents/{id}/alarm-rules',
      url: (t) => `/api/residents/${t.residentId}/alarm-rules`,
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'PUT',
      path: '/api/residents/{id}/alarm-rules',
      url: (t) => `/api/residents/${t.residentId}/alarm-rules`,
      body: () => ({ doorOpenLimitMinutes: 1 }),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/municipalities/{id}/alarm-rule-defaults',
      url: (t) => `/api/municipalities/${t.municipalityId}/alarm-rule-defaults`,
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'PUT',
      path: '/api/municipalities/{id}/alarm-rule-defaults',
      url: (t) => `/api/municipalities/${t.municipalityId}/alarm-rule-defaults`,
      body: () => ({ doorOpenLimitMinutes: 1 }),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/residents',
      url: () => '/api/residents',
      body: (t) => ({ name: 'Intruder', address: 'Nowhere 1', municipalityId: t.municipalityId }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/residents/{id}',
      url: (t) => `/api/residents/${t.residentId}`,
      body: () => ({ careNote: 'changed by an intruder' }),
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/residents/{id}',
      url: (t) => `/api/residents/${t.residentId}`,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/devices',
      url: () => '/api/devices',
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/devices/{id}',
      url: (t) => `/api/devices/${t.deviceId}`,
      allowed: (t) => municipalityAdminToken(t.municipalityId),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices',
      url: () => '/api/devices',
      body: (t) => ({
        id: uniqueName('intruder'),
        serialNumber: uniqueName('sn'),
        kind: 'safety_alarm',
        municipalityId: t.municipalityId,
      }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/devices/{id}',
      url: (t) => `/api/devices/${t.deviceId}`,
      body: () => ({ heartbeatIntervalSeconds: 60 }),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices/{id}/onboard',
      url: (t) => `/api/devices/${t.deviceId}/onboard`,
      body: (t) => ({ residentId: t.residentId }),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices/{id}/rotate-secret',
      url: (t) => `/api/devices/${t.deviceId}/rotate-secret`,
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices/{id}/retire',
      url: (t) => `/api/devices/${t.deviceId}/retire`,
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/imports',
      url: () => '/api/imports?mode=all-or-nothing',
      body: (t) => csvFor(t),
    },
    {
      service: 'centre',
      method: 'GET',
      path: '/api/alarms',
      url: () => '/api/alarms?limit=500',
      allowed: (t) => operatorToken(t.centreId),
    },
    // Replays every step since the start: another centre's people must find none of tenant A's in it.
    {
      service: 'centre',
      method: 'GET',
      path: '/api/alarms/stream',
      url: () => '/api/alarms/stream?since=0.0',
      allowed: (t) => operatorToken(t.centreId),
    },
    {
      service: 'centre',
      method: 'GET',
      path: '/api/alarms/{id}',
      url: (t) => `/api/alarms/${t.alarmId}`,
      allowed: (t) => supervisorToken(t.centreId),
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/acknowledge',
      url: (t) => `/api/alarms/${t.alarmId}/acknowledge`,
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/notes',
      url: (t) => `/api/alarms/${t.alarmId}/notes`,
      body: () => ({ text: 'intruder' }),
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/resolve',
      url: (t) => `/api/alarms/${t.alarmId}/resolve`,
      body: () => ({ outcome: 'other' }),
    },
    // In this order: the allowed withdrawal ends the dispatch made at setup, so the allowed dispatch may follow.
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/dispatches/{dispatchId}/withdraw',
      url: (t) => `/api/alarms/${t.alarmId}/dispatches/${t.dispatchId}/withdraw`,
      body: () => ({ reason: 'fencing test' }),
      allowed: (t) => operatorToken(t.centreId),
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/dispatches',
      url: (t) => `/api/alarms/${t.alarmId}/dispatches`,
      body: (t) => ({ homeCareTeamId: t.teamId, instructions: 'fencing test' }),
      allowed: (t) => supervisorToken(t.centreId),
      allowedStatus: 201,
    },
    {
      service: 'centre',
      method: 'GET',
      path: '/api/devices/{deviceId}/events',
      url: (t) => `/api/devices/${t.deviceId}/events`,
      allowed: (t) => operatorToken(t.centreId),
    },
    {
      service: 'home-care',
      method: 'GET',
      path: '/api/dispatches',
      url: () => '/api/dispatches?limit=500',
      allowed: (t) => homeCareToken(t.teamId),
    },
    // From the very start of the team's log: a stream that leaked another team's rows would show them.
    {
      service: 'home-care',
      method: 'GET',
      path: '/api/dispatches/stream',
      url: () => '/api/dispatches/stream?since=0.0',
      allowed: (t) => homeCareToken(t.teamId),
    },
    {
      service: 'home-care',
      method: 'GET',
      path: '/api/dispatches/{id}',
      url: (t) => `/api/dispatches/${t.dispatchId}`,
      allowed: (t) => homeCareToken(t.teamId),
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/accept',
      url: (t) => `/api/dispatches/${t.dispatchId}/accept`,
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/decline',
      url: (t) => `/api/dispatches/${t.dispatchId}/decline`,
      body: () => ({ reason: 'intruder' }),
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/en-route',
      url: (t) => `/api/dispatches/${t.dispatchId}/en-route`,
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/arrived',
      url: (t) => `/api/dispatches/${t.dispatchId}/arrived`,
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/complete',
      url: (t) => `/api/dispatches/${t.dispatchId}/complete`,
      body: () => ({ report: 'intruder' }),
    },
  ];

  /** Who may call the route for tenant A, by the route's roles; everyone else is an intruder. */
  const ALLOWED_ROLES: Record<string, string[]> = {
    '/api/response-centres': ['system admin', 'operator', 'supervisor'],
    '/api/municipalities': ['system admin', 'municipality admin', 'operator', 'supervisor'],
    '/api/home-care-teams': ['municipality admin', 'home-care nurse'],
    '/api/residents': ['municipality admin', 'home-care nurse'],
    '/api/devices': ['municipality admin'],
    '/api/imports': ['municipality admin'],
    '/api/alarms': ['operator', 'supervisor'],
  };

  function allowedRoles(route: Route): string[] {
    if (route.service === 'home-care') return ['home-care nurse'];
    if (route.service === 'centre' && route.path.startsWith('/api/devices')) return ['operator', 'supervisor'];
    if (route.path.includes('/alarm-rule')) return ['municipality admin'];
    const base = Object.keys(ALLOWED_ROLES).find((prefix) => route.path.startsWith(prefix))!;
    const readOnly = route.method === 'GET';
    if (readOnly && !route.path.endsWith('/access-log')) return ALLOWED_ROLES[base];
    if (base === '/api/response-centres' || base === '/api/municipalities') return ['system admin'];
    if (base === '/api/alarms') return ['operator', 'supervisor'];
    return ['municipality admin'];
  }

  /** Tenant B's people with the roles that may call the route, and A's people with roles that may not. */
  function intruders(route: Route): Intruder[] {
    const allowed = allowedRoles(route);
    const wrongRole = Object.entries(ROLES_OF_A(a))
      .filter(([role]) => !allowed.includes(role))
      .map(([role, token]) => ({ who: `${role} of tenant A`, token }));
    const wrongTenant = Object.entries(ROLES_OF_A(b))
      .filter(([role]) => allowed.includes(role) && role !== 'system admin')
      .map(([role, token]) => ({ who: `${role} of tenant B`, token }));
    return [...wrongRole, ...wrongTenant];
  }

  /** What of tenant A must never appear in an intruder's answer (ids sent in the request are echoed in 404 messages). */
  function leaks(text: string, route: Route): string[] {
    const sent = route.url(a) + JSON.stringify(route.body?.(a) ?? '');
    const secrets = [a.residentId, a.deviceId, a.alarmId, a.dispatchId, a.teamId, a.municipalityId, a.centreId].filter(
      (id) => !sent.includes(id),
    );
    return [...secrets.filter((id) => text.includes(id)), ...(text.includes(a.address) ? ['address'] : [])];
  }

  it('has a case for every endpoint of the three services (a new endpoint must be added here)', async () => {
    const documented = new Set<string>();
    for (const [service, base] of [
      ['registry', registry.url],
      ['centre', centre.url],
      ['home-care', homeCare.url],
    ] as const) {
      const openApi = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      for (const [path, operations] of Object.entries(openApi.paths)) {
        if (path.startsWith('/health') || path === '/metrics') continue;
        for (const method of Object.keys(operations)) documented.add(`${service} ${method.toUpperCase()} ${path}`);
      }
    }
    expect([...documented].sort()).toEqual(
      ROUTES.map((route) => `${route.service} ${route.method} ${route.path}`).sort(),
    );
  });

  it('answers 401 without a token on every endpoint, and health and metrics stay open', async () => {
    for (const route of ROUTES) {
      const answer = await call(route.service, route.method, route.url(a), null, route.body?.(a));
      expect({ route: `${route.method} ${route.path}`, status: answer.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
      expect(leaks(answer.text, route)).toEqual([]);
    }
    for (const base of [registry.url, centre.url, homeCare.url]) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
    }
  });

  it('refuses every wrong role and every other tenant with 403/404 or a list without the data, on every endpoint', async () => {
    const problems: string[] = [];
    for (const route of ROUTES) {
      for (const intruder of intruders(route)) {
        const answer = await call(route.service, route.method, route.url(a), await intruder.token(), route.body?.(a));
        const what = `${route.method} ${route.path} as ${intruder.who}`;
        // A list, or a live stream of the caller's own tenant: allowed, as long as nothing of A is in it.
        const listAnswer = route.method === 'GET' && answer.status === 200 && answer.text.startsWith('[');
        const streamAnswer =
          route.path.endsWith('/stream') && answer.status === 200 && answer.text.includes('event: ready');
        if (
          ![403, 404].includes(answer.status) &&
          !listAnswer &&
          !streamAnswer &&
          !(route.path === '/api/imports' && answer.status === 422)
        )
          problems.push(`${what}: status ${answer.status} ${answer.text.slice(0, 200)}`);
        const leaked = leaks(answer.text, route);
        if (leaked.length > 0) problems.push(`${what}: leaked ${leaked.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers the right role of the right tenant (so the refusals above are not everything refusing)', async () => {
    for (const route of ROUTES.filter((candidate) => candidate.allowed)) {
      const answer = await call(route.service, route.method, route.url(a), await route.allowed!(a), route.body?.(a));
      expect({ route: `${route.method} ${route.path}`, status: answer.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: route.allowedStatus ?? 200,
      });
    }
    // The stream replays tenant A's own steps to A's operator, the dispatch among them.
    const ownStream = await call('centre', 'GET', '/api/alarms/stream?since=0.0', await operatorToken(a.centreId));
    expect(ownStream.text).toContain(a.alarmId);
    expect(ownStream.text).toContain(a.dispatchId);
    expect(ownStream.text).not.toContain(b.alarmId);
    const queue = await call('centre', 'GET', '/api/alarms?limit=500', await operatorToken(a.centreId));
    expect(queue.text).toContain(a.alarmId);
    expect(queue.text).not.toContain(b.alarmId);
  });

  it("a home-care nurse sees the own team's dispatch and resident in the list, the detail and the live stream, and never the other team's", async () => {
    for (const [own, other] of [
      [a, b],
      [b, a],
    ]) {
      const nurse = await homeCareToken(own.teamId);
      for (const url of [
        '/api/dispatches?limit=500',
        '/api/dispatches/stream?since=0.0',
        `/api/dispatches/${own.dispatchId}`,
      ]) {
        const answer = await call('home-care', 'GET', url, nurse);
        expect({ url, status: answer.status }).toEqual({ url, status: 200 });
        expect(answer.text).toContain(own.dispatchId);
        expect(answer.text).toContain(own.address);
        expect(answer.text).not.toContain(other.dispatchId);
        expect(answer.text).not.toContain(other.address);
        expect(answer.text).not.toContain(other.residentId);
      }
      const stolen = await call('home-care', 'POST', `/api/dispatches/${other.dispatchId}/accept`, nurse);
      expect(stolen.status).toBe(404);
      expect(stolen.text).not.toContain(other.address);
    }
  });

  it("an operator acts on the own centre's alarm and is named in the handling log by the token's subject", async () => {
    // A fall: another button press would be attached to the open button alarm as a repeat.
    const alarmId = await raiseAlarm(a.deviceId, a.centreId, 'fall.detected');
    const subject = uniqueName('anna');
    const taken = await call(
      'centre',
      'POST',
      `/api/alarms/${alarmId}/acknowledge`,
      await operatorToken(a.centreId, subject),
    );
    expect(taken.status).toBe(200);
    expect(JSON.parse(taken.text)).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: subject,
      log: expect.arrayContaining([expect.objectContaining({ step: 'acknowledged', actorId: subject })]),
    });
    const stolen = await call(
      'centre',
      'POST',
      `/api/alarms/${alarmId}/resolve`,
      await operatorToken(b.centreId, subject),
      { outcome: 'other' },
    );
    expect(stolen.status).toBe(404);
  });

  it('refuses tokens that are expired, from another issuer or key, for another audience, HS256, unsigned, or missing their tenant', async () => {
    const issuer = testInfra().devIssuer;
    const own = JSON.parse(readFileSync(issuer.keyFile, 'utf8')) as JWK;
    const ownKey = await importJWK(own, 'ES256', { extractable: true });
    const claims = { roles: ['operator'], response_centre_id: a.centreId };
    const { privateKey: strangerKey } = await generateKeyPair('ES256');
    const signed = (key: Parameters<SignJWT['sign']>[0], alg: string, edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt) =>
      edit(
        new SignJWT(claims)
          .setProtectedHeader({ alg, kid: own.kid as string })
          .setSubject('op-x')
          .setIssuer(issuer.issuer)
          .setAudience(issuer.audience)
          .setIssuedAt()
          .setExpirationTime('5m'),
      ).sign(key);
    const { d: _private, ...publicPart } = await exportJWK(ownKey);
    const publicJwk = JSON.stringify(publicPart);
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify({ ...claims, sub: 'op-x', iss: issuer.issuer, aud: issuer.audience, exp: Math.floor(Date.now() / 1000) + 300 }))}.`;
    const refused: [string, string][] = [
      [
        'expired',
        await signed(ownKey, 'ES256', (jwt) =>
          jwt.setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600),
        ),
      ],
      ['another key', await signed(strangerKey, 'ES256')],
      ['another issuer', await signed(ownKey, 'ES256', (jwt) => jwt.setIssuer('https://idp.example.org'))],
      ['another audience', await signed(ownKey, 'ES256', (jwt) => jwt.setAudience('some-other-app'))],
      ['HS256 with the public key as secret', await signed(new TextEncoder().encode(publicJwk), 'HS256')],
      ['unsigned (alg none)', unsigned],
      ['operator without a centre', await tokenFor({ role: 'operator' })],
      [
        'operator with a centre that is not a UUID',
        await mintDevToken(issuer, { sub: 'op-x', roles: ['operator'], response_centre_id: 'centre-1' }),
      ],
      ['no known role', await mintDevToken(issuer, { sub: 'op-x', roles: ['admin'], response_centre_id: a.centreId })],
    ];
    for (const [what, token] of refused) {
      const answer = await call('centre', 'GET', `/api/alarms/${a.alarmId}`, token);
      expect({ what, status: answer.status, leaked: leaks(answer.text, ROUTES[0]) }).toEqual({
        what,
        status: 401,
        leaked: [],
      });
      expect(JSON.parse(answer.text).message).toEqual(expect.any(String));
    }
    // The same token, correctly signed, passes: the refusals are about the token.
    expect((await call('centre', 'GET', `/api/alarms/${a.alarmId}`, await signed(ownKey, 'ES256'))).status).toBe(200);
  });

  it('writes every read of personal data to the access log: who, what, when; refused reads are not logged as reads', async () => {
    const sql = {
      registry: new Client({ connectionString: registryDb.url }),
      centre: new Client({ connectionString: centreDb.url }),
      homeCare: new Client({ connectionString: homeCareDb.url }),
    };
    await Promise.all([sql.registry.connect(), sql.centre.connect(), sql.homeCare.connect()]);
    try {
      const nurse = uniqueName('nurse');
      const operator = uniqueName('operator');
      const since = new Date();
      expect(
        (
          await call(
            'registry',
            'GET',
            `/api/residents/${a.residentId}`,
            await tokenFor({ role: 'home-care', homeCareTeamId: a.teamId, sub: nurse }),
          )
        ).status,
      ).toBe(200);
      expect(
        (
          await call(
            'registry',
            'GET',
            `/api/residents/${a.residentId}`,
            await tokenFor({ role: 'home-care', homeCareTeamId: b.teamId, sub: nurse }),
          )
        ).status,
      ).toBe(404);
      expect(
        (await call('centre', 'GET', `/api/alarms/${a.alarmId}`, await operatorToken(a.centreId, operator))).status,
      ).toBe(200);
      expect(
        (await call('centre', 'GET', `/api/devices/${a.deviceId}/events`, await operatorToken(a.centreId, operator)))
          .status,
      ).toBe(200);
      expect(
        (
          await call(
            'home-care',
            'GET',
            `/api/dispatches/${a.dispatchId}`,
            await tokenFor({ role: 'home-care', homeCareTeamId: a.teamId, sub: nurse }),
          )
        ).status,
      ).toBe(200);
      expect(
        (
          await call(
            'home-care',
            'GET',
            `/api/dispatches/${a.dispatchId}`,
            await tokenFor({ role: 'home-care', homeCareTeamId: b.teamId, sub: nurse }),
          )
        ).status,
      ).toBe(404);

      const registryLog = await sql.registry.query(
        `SELECT actor_subject, actor_roles, actor_tenant, action, resource_id, resident_id, at FROM access_log WHERE actor_subject = $1`,
        [nurse],
      );
      expect(registryLog.rows).toEqual([
        {
          actor_subject: nurse,
          actor_roles: 'home-care',
          actor_tenant: a.teamId,
          action: 'resident.read',
          resource_id: a.residentId,
          resident_id: a.residentId,
          at: expect.any(Date),
        },
      ]);
      expect(registryLog.rows[0].at.getTime()).toBeGreaterThanOrEqual(since.getTime() - 1000);
      const centreLog = await sql.centre.query(
        `SELECT actor_subject, actor_tenant, action, resource_id, resident_id FROM access_log WHERE actor_subject = $1 ORDER BY id`,
        [operator],
      );
      expect(centreLog.rows).toEqual([
        {
          actor_subject: operator,
          actor_tenant: a.centreId,
          action: 'alarm.read',
          resource_id: a.alarmId,
          resident_id: a.residentId,
        },
        {
          actor_subject: operator,
          actor_tenant: a.centreId,
          action: 'device-events.read',
          resource_id: a.deviceId,
          resident_id: a.residentId,
        },
      ]);
      const homeCareLog = await sql.homeCare.query(
        `SELECT actor_subject, actor_roles, actor_tenant, action, resource_id, resident_id FROM access_log WHERE actor_subject = $1 ORDER BY id`,
        [nurse],
      );
      expect(homeCareLog.rows).toEqual([
        {
          actor_subject: nurse,
          actor_roles: 'home-care',
          actor_tenant: a.teamId,
          action: 'dispatch.read',
          resource_id: a.dispatchId,
          resident_id: a.residentId,
        },
      ]);
      // The municipality's administrators can see who read their resident; the log cannot be changed.
      const seen = await call(
        'registry',
        'GET',
        `/api/residents/${a.residentId}/access-log`,
        await municipalityAdminToken(a.municipalityId),
      );
      expect(JSON.parse(seen.text)).toEqual(
        expect.arrayContaining([expect.objectContaining({ actorSubject: nurse, action: 'resident.read' })]),
      );
      await expect(sql.centre.query(`DELETE FROM access_log WHERE actor_subject = $1`, [operator])).rejects.toThrow(
        /append-only/,
      );
      await expect(
        sql.registry.query(`UPDATE access_log SET actor_subject = 'someone-else' WHERE actor_subject = $1`, [nurse]),
      ).rejects.toThrow(/append-only/);
      await expect(sql.homeCare.query(`DELETE FROM access_log WHERE actor_subject = $1`, [nurse])).rejects.toThrow(
        /append-only/,
      );
    } finally {
      await Promise.allSettled([sql.registry.end(), sql.centre.end(), sql.homeCare.end()]);
    }
  });
});
