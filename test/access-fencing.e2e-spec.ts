import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import webpush from 'web-push';
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
import { ROLES, type Role } from '../libs/access/src/actor';
import {
  homeCareToken,
  municipalityAdminToken,
  operatorToken,
  supervisorToken,
  currentIssuer,
  systemAdminToken,
  tokenFor,
  useIssuer,
} from './support/tokens';
import { CookieBrowser, PageService, person, startSignInProvider } from './support/sign-in';
import type { RunningDevOidcProvider } from '../infra/src/dev-oidc-provider';

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
/** Who calls: a bearer token, a browser signed in on the service's page (session cookie), or nobody. */
type Credential = string | CookieBrowser | null;
/** The services with a page people sign in to: their routes are also tried with session cookies. */
const PAGE_SERVICES: Service[] = ['centre', 'home-care'];

interface Route {
  service: Service;
  method: string;
  /** The OpenAPI path, e.g. /api/residents/{id}. */
  path: string;
  /**
   * The roles that may call the route for their own tenant, stated here (not read from the code):
   * every other role must get 403, and each of these must get a 2xx answer.
   */
  roles: Role[];
  /** The real path on a tenant's data. */
  url: (t: Tenant) => string;
  body?: (t: Tenant) => unknown;
  /**
   * For a route that changes or destroys what it names: data of its own in tenant A, made before
   * each allowed call (the refusals are tried on tenant A's shared data, which must survive them).
   */
  fresh?: (t: Tenant) => Promise<Tenant>;
}

const NAME = `Fenced Resident ${randomUUID().slice(0, 8)}`;
const VAPID = webpush.generateVAPIDKeys();
/** A phone of the tenant's team, as its browser would send it (keys of the right shape). */
const phoneOf = (t: Tenant) => ({
  endpoint: `https://127.0.0.1:9/fencing/${t.teamId}`,
  keys: { p256dh: PHONE_KEY, auth: randomBytes(16).toString('base64url') },
});
const PHONE_KEY = (() => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey().toString('base64url');
})();

/**
 * Tenancy, end to end: two response centres, each serving one municipality with its team,
 * resident, device and alarm, on the real registry, response centre and home-care service over
 * Kafka and PostgreSQL (each alarm dispatched to its resident's team: the test plays the centre's
 * side of dispatches.v1). Every endpoint of the three services (taken from their OpenAPI
 * documents, so a new endpoint without a case here fails) states the roles that may call it.
 * It is called with no token (401), with a token of every other role (403, lists and streams
 * included: an empty list would hide a missing @Roles), with the right roles of the other tenant
 * (403 or 404, or a list without tenant A's rows), and by every role that may call it (2xx; a
 * route that changes or destroys data does so on data made for that call). Tenant A's data
 * appears in no refusal. The console's and the phone page's routes are tried again with session
 * cookies of people signed in through the embedded OpenID provider, with CSRF and other-origin
 * cases. Then: tokens the services must refuse, and the access log of personal-data reads.
 */
describe('access: bearer tokens and session cookies, roles and tenant fencing on every endpoint', () => {
  let registryDb: { url: string; drop(): Promise<void> };
  let centreDb: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let centre: RunningService;
  let homeCareDb: { url: string; drop(): Promise<void> };
  let homeCare: RunningService;
  let producer: Producer;
  /** The centre's database, read only to see when its registry view has a device. */
  let centreSql: Client;
  let a: Tenant;
  let b: Tenant;
  let provider: RunningDevOidcProvider;
  let pages: Record<'centre' | 'home-care', PageService>;

  beforeAll(async () => {
    // The services trust this file's provider; bearer tokens of the file are minted with its key.
    const started = await startSignInProvider(['console', 'phone']);
    provider = started.provider;
    pages = { centre: started.pages[0], 'home-care': started.pages[1] };
    [registryDb, centreDb, homeCareDb] = await Promise.all([
      createTestDatabase('fence_registry'),
      createTestDatabase('fence_centre'),
      createTestDatabase('fence_home_care'),
    ]);
    [registry, centre, homeCare] = await Promise.all([
      startRegistry(registryDb.url),
      startResponseCentre(centreDb.url, { KAFKA_CONSUMER_GROUP: uniqueName('fence'), ...pages.centre.env }),
      // Push on, at a push service on a closed local port: the doorbells of the test's dispatches fail fast.
      startHomeCare(homeCareDb.url, {
        PUSH_VAPID_PUBLIC_KEY: VAPID.publicKey,
        PUSH_VAPID_PRIVATE_KEY: VAPID.privateKey,
        PUSH_SERVICE_HOSTS: '127.0.0.1',
        ...pages['home-care'].env,
      }),
    ]);
    const kafka = new Kafka({
      clientId: uniqueName('fence'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    centreSql = new Client({ connectionString: centreDb.url });
    await centreSql.connect();
    [a, b] = await Promise.all([tenant(), tenant()]);
    provider.setPeople([a, b].flatMap((t, k) => peopleOf(t, k === 0 ? 'a' : 'b')));
    await Promise.all([subscribedPhone(a), subscribedPhone(b)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), centreSql?.end()]);
    await Promise.allSettled([registry?.close(), centre?.close(), homeCare?.close()]);
    await Promise.allSettled([registryDb?.drop(), centreDb?.drop(), homeCareDb?.drop()]);
    await provider?.stop();
    useIssuer(null);
  });

  /** A person of every role for the tenant, to sign in on the pages (username: role-a, role-b). */
  function peopleOf(t: Tenant, label: string) {
    const tenancy: Record<Role, Record<string, string>> = {
      'system-admin': {},
      'municipality-admin': { municipality_id: t.municipalityId },
      operator: { response_centre_id: t.centreId },
      supervisor: { response_centre_id: t.centreId },
      'home-care': { home_care_team_id: t.teamId },
    };
    return ROLES.map((role) =>
      person(`${role}-${label}`, { name: `${role} ${label}`, roles: [role], ...tenancy[role] }),
    );
  }

  /** Browsers signed in on a page, one per role, tenant and page (signed in once, on first use). */
  const signedIn = new Map<string, Promise<CookieBrowser>>();
  function sessionOf(t: Tenant, role: Role, service: Service): Promise<CookieBrowser> {
    const page = pages[service as 'centre' | 'home-care'];
    const username = `${role}-${t === a ? 'a' : 'b'}`;
    const key = `${username} ${service}`;
    if (!signedIn.has(key))
      signedIn.set(
        key,
        (async () => {
          const browser = new CookieBrowser(page);
          await browser.signIn(username);
          return browser;
        })(),
      );
    return signedIn.get(key)!;
  }

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
   * The tenant's operator takes the alarm, once the centre knows its resident (a dispatch
   * carries the resident as the centre knows them, from registry.residents.v1).
   */
  async function takeAlarm(place: { centreId: string }, alarmId: string): Promise<void> {
    const token = await operatorToken(place.centreId);
    const taken = await call('centre', 'POST', `/api/alarms/${alarmId}/acknowledge`, token);
    if (taken.status !== 200) throw new Error(`setup: acknowledge answered ${taken.status} ${taken.text}`);
    await eventually(async () => {
      const detail = await call('centre', 'GET', `/api/alarms/${alarmId}`, token);
      expect((JSON.parse(detail.text) as { resident: unknown }).resident).not.toBeNull();
    }, 30_000);
  }

  /**
   * The tenant's operator takes the alarm and dispatches the tenant's team (the registry has
   * published the team to the centre); home care takes it from dispatches.v1.
   */
  async function dispatchHomeCare(place: { centreId: string; teamId: string }, alarmId: string): Promise<string> {
    await takeAlarm(place, alarmId);
    const token = await operatorToken(place.centreId);
    const dispatchId = await eventually(async () => {
      const answer = await call('centre', 'POST', `/api/alarms/${alarmId}/dispatches`, token, {
        homeCareTeamId: place.teamId,
        instructions: 'Visit the resident',
      });
      if (answer.status !== 201)
        throw new Error(`dispatch answered ${answer.status} (the team may not be in the centre's view yet)`);
      return (JSON.parse(answer.text) as { dispatches: { id: string }[] }).dispatches[0].id;
    });
    const nurse = await homeCareToken(place.teamId);
    await eventually(async () => {
      const answer = await call('home-care', 'GET', `/api/dispatches/${dispatchId}`, nurse);
      if (answer.status !== 200) throw new Error(`dispatch not at home care yet (${answer.status})`);
    }, 30_000);
    return dispatchId;
  }

  /**
   * Waits until the centre's registry view places the device in its centre. An alarm of a device
   * the view does not have yet is unplaced, and an unplaced alarm is shown to every centre (by
   * design: centre-scope.ts), which would put tenant A's device in tenant B's queue.
   */
  async function placedInCentre(deviceId: string, centreId: string): Promise<void> {
    await eventually(async () => {
      const { rows } = await centreSql.query<{ response_centre_id: string | null }>(
        `SELECT response_centre_id FROM registry_devices WHERE device_id = $1 AND state = 'active'`,
        [deviceId],
      );
      if (rows[0]?.response_centre_id !== centreId) throw new Error(`device ${deviceId} not in the centre's view yet`);
    }, 30_000);
  }

  /** A button press as the ingestor puts it on Kafka, once the centre's view has the device; waits for the alarm. */
  async function raiseAlarm(deviceId: string, centreId: string, type = 'alarm.button'): Promise<string> {
    await placedInCentre(deviceId, centreId);
    const token = await operatorToken(centreId);
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
      const queue = JSON.parse((await call('centre', 'GET', '/api/alarms?limit=500', token)).text) as {
        id: string;
        triggerEventId: string;
        responseCentreId: string | null;
      }[];
      const found = queue.find((candidate) => candidate.triggerEventId === eventId);
      if (!found) throw new Error('alarm not opened yet');
      return found;
    }, 30_000);
    if (alarm.responseCentreId !== centreId)
      throw new Error(`setup: alarm ${alarm.id} placed in ${alarm.responseCentreId}, not in ${centreId}`);
    return alarm.id;
  }

  async function call(
    service: Service,
    method: string,
    url: string,
    token: Credential,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    const base = { registry: registry.url, centre: centre.url, 'home-care': homeCare.url }[service];
    const csv = typeof body === 'string';
    const headers: Record<string, string> = {
      ...(token instanceof CookieBrowser ? token.requestHeaders() : {}),
      ...(typeof token === 'string' ? { authorization: `Bearer ${token}` } : {}),
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

  /**
   * Tokens of every role for a tenant. One subject per role and tenant, so that the steps a
   * nurse takes on a dispatch (accept, then en route, ...) are one nurse's.
   */
  const tokensOf = (t: Tenant): Record<Role, () => Promise<string>> => ({
    'system-admin': () => systemAdminToken(),
    'municipality-admin': () => municipalityAdminToken(t.municipalityId),
    operator: () => operatorToken(t.centreId),
    supervisor: () => supervisorToken(t.centreId),
    'home-care': () => tokenFor({ role: 'home-care', homeCareTeamId: t.teamId, sub: `nurse-${t.teamId}` }),
  });

  const csvFor = (t: Tenant) =>
    `municipality_number,resident_name,address,device_id,serial_number,device_kind\n${t.municipalityNumber},Imported,Nowhere 1,${uniqueName('imp')},SN-${uniqueName('imp')},safety_alarm\n`;

  /** The registry's administrators for the tenant: system admin for centres and municipalities, else the municipality's. */
  const adminsOf = (t: Tenant) => new RegistryApi(registry.url).inMunicipality(t.municipalityId);

  async function freshCentre(t: Tenant): Promise<Tenant> {
    const centre = await adminsOf(t).expect(201, 'POST', '/api/response-centres', { name: uniqueName('fresh') });
    return { ...t, centreId: centre.id };
  }

  /** A municipality of its own, served by the tenant's centre (a four-digit number another may have: tried again). */
  function freshMunicipality(t: Tenant): Promise<Tenant> {
    return eventually(async () => {
      const number = String(Math.floor(1000 + Math.random() * 9000));
      const municipality = await adminsOf(t).expect(201, 'POST', '/api/municipalities', {
        number,
        name: uniqueName('fresh'),
        responseCentreId: t.centreId,
      });
      return { ...t, municipalityId: municipality.id, municipalityNumber: number };
    }, 15_000);
  }

  async function freshTeam(t: Tenant): Promise<Tenant> {
    const team = await adminsOf(t).expect(201, 'POST', '/api/home-care-teams', {
      municipalityId: t.municipalityId,
      name: uniqueName('fresh'),
    });
    return { ...t, teamId: team.id };
  }

  /** A resident of the tenant's municipality and team. */
  async function freshResident(t: Tenant): Promise<Tenant> {
    const address = `Fenceveien ${uniqueName('no')}`;
    const resident = await adminsOf(t).expect(201, 'POST', '/api/residents', {
      name: NAME,
      address,
      municipalityId: t.municipalityId,
      homeCareTeamId: t.teamId,
    });
    return { ...t, residentId: resident.id, address };
  }

  /** A device in stock, or (`active`) onboarded to a resident of its own. */
  async function freshDevice(t: Tenant, state: 'in_stock' | 'active'): Promise<Tenant> {
    const owner = state === 'active' ? await freshResident(t) : t;
    const deviceId = uniqueName('fresh');
    const api = adminsOf(t);
    await api.expect(201, 'POST', '/api/devices', {
      id: deviceId,
      serialNumber: `SN-${deviceId}`,
      kind: 'safety_alarm',
    });
    if (state === 'active')
      await api.expect(200, 'POST', `/api/devices/${deviceId}/onboard`, { residentId: owner.residentId });
    return { ...owner, deviceId };
  }

  /** An open alarm of its own: a resident and device of their own (one resident's alarms of a kind are one alarm). */
  async function freshAlarm(t: Tenant): Promise<Tenant> {
    const own = await freshDevice(t, 'active');
    return { ...own, alarmId: await raiseAlarm(own.deviceId, own.centreId) };
  }

  /** An alarm of its own, taken by the tenant's operator, with its resident known to the centre. */
  async function freshTakenAlarm(t: Tenant): Promise<Tenant> {
    const own = await freshAlarm(t);
    await takeAlarm(own, own.alarmId);
    return own;
  }

  /** An alarm of its own dispatched to the tenant's team, as home care has it. */
  async function freshDispatch(t: Tenant): Promise<Tenant> {
    const own = await freshAlarm(t);
    return { ...own, dispatchId: await dispatchHomeCare(own, own.alarmId) };
  }

  /** A dispatch of its own, moved on by the tenant's nurse through the given steps first. */
  function freshDispatchAfter(...steps: ('accept' | 'en-route' | 'arrived')[]): (t: Tenant) => Promise<Tenant> {
    return async (t) => {
      const own = await freshDispatch(t);
      const nurse = await tokensOf(own)['home-care']();
      for (const step of steps) {
        const answer = await call('home-care', 'POST', `/api/dispatches/${own.dispatchId}/${step}`, nurse);
        if (answer.status !== 200) throw new Error(`setup: ${step} answered ${answer.status} ${answer.text}`);
      }
      return own;
    };
  }

  /** The tenant's team has its phone subscribed (so B's attempts on it have something to hit). */
  async function subscribedPhone(t: Tenant): Promise<Tenant> {
    const answer = await call(
      'home-care',
      'POST',
      '/api/push/subscriptions',
      await tokensOf(t)['home-care'](),
      phoneOf(t),
    );
    if (answer.status !== 201) throw new Error(`setup: subscribe answered ${answer.status} ${answer.text}`);
    return t;
  }

  /** Every endpoint, and the roles that may call it for their own tenant. */
  const ROUTES: Route[] = [
    {
      service: 'registry',
      method: 'GET',
      path: '/api/response-centres',
      roles: ['system-admin', 'operator', 'supervisor'],
      url: () => '/api/response-centres',
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/response-centres/{id}',
      roles: ['system-admin', 'operator', 'supervisor'],
      url: (t) => `/api/response-centres/${t.centreId}`,
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/response-centres',
      roles: ['system-admin'],
      url: () => '/api/response-centres',
      body: () => ({ name: uniqueName('created') }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/response-centres/{id}',
      roles: ['system-admin'],
      url: (t) => `/api/response-centres/${t.centreId}`,
      body: () => ({ name: uniqueName('renamed') }),
      fresh: freshCentre,
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/response-centres/{id}',
      roles: ['system-admin'],
      url: (t) => `/api/response-centres/${t.centreId}`,
      fresh: freshCentre,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/municipalities',
      roles: ['system-admin', 'municipality-admin', 'operator', 'supervisor'],
      url: () => '/api/municipalities',
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/municipalities/{id}',
      roles: ['system-admin', 'municipality-admin', 'operator', 'supervisor'],
      url: (t) => `/api/municipalities/${t.municipalityId}`,
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/municipalities',
      roles: ['system-admin'],
      url: () => '/api/municipalities',
      // A number of its own: 0001-0999 are never made by setup(), and each call makes a new one.
      body: (t) => ({
        number: String(Math.floor(Math.random() * 999) + 1).padStart(4, '0'),
        name: uniqueName('created'),
        responseCentreId: t.centreId,
      }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/municipalities/{id}',
      roles: ['system-admin'],
      url: (t) => `/api/municipalities/${t.municipalityId}`,
      body: () => ({ name: uniqueName('renamed') }),
      fresh: freshMunicipality,
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/municipalities/{id}',
      roles: ['system-admin'],
      url: (t) => `/api/municipalities/${t.municipalityId}`,
      fresh: freshMunicipality,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/home-care-teams',
      roles: ['municipality-admin', 'home-care'],
      url: () => '/api/home-care-teams',
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/home-care-teams/{id}',
      roles: ['municipality-admin', 'home-care'],
      url: (t) => `/api/home-care-teams/${t.teamId}`,
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/home-care-teams',
      roles: ['municipality-admin'],
      url: () => '/api/home-care-teams',
      body: (t) => ({ municipalityId: t.municipalityId, name: uniqueName('created') }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/home-care-teams/{id}',
      roles: ['municipality-admin'],
      url: (t) => `/api/home-care-teams/${t.teamId}`,
      body: () => ({ name: uniqueName('renamed') }),
      fresh: freshTeam,
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/home-care-teams/{id}',
      roles: ['municipality-admin'],
      url: (t) => `/api/home-care-teams/${t.teamId}`,
      fresh: freshTeam,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents',
      roles: ['municipality-admin', 'home-care'],
      url: () => '/api/residents',
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents/{id}',
      roles: ['municipality-admin', 'home-care'],
      url: (t) => `/api/residents/${t.residentId}`,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents/{id}/access-log',
      roles: ['municipality-admin'],
      url: (t) => `/api/residents/${t.residentId}/access-log`,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/residents/{id}/alarm-rules',
      roles: ['municipality-admin'],
      url: (t) => `/api/residents/${t.residentId}/alarm-rules`,
    },
    {
      service: 'registry',
      method: 'PUT',
      path: '/api/residents/{id}/alarm-rules',
      roles: ['municipality-admin'],
      url: (t) => `/api/residents/${t.residentId}/alarm-rules`,
      body: () => ({ doorOpenLimitMinutes: 1 }),
      fresh: freshResident,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/municipalities/{id}/alarm-rule-defaults',
      roles: ['municipality-admin'],
      url: (t) => `/api/municipalities/${t.municipalityId}/alarm-rule-defaults`,
    },
    {
      service: 'registry',
      method: 'PUT',
      path: '/api/municipalities/{id}/alarm-rule-defaults',
      roles: ['municipality-admin'],
      url: (t) => `/api/municipalities/${t.municipalityId}/alarm-rule-defaults`,
      body: () => ({ doorOpenLimitMinutes: 1 }),
      fresh: freshMunicipality,
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/residents',
      roles: ['municipality-admin'],
      url: () => '/api/residents',
      body: (t) => ({ name: 'Created', address: 'Nowhere 1', municipalityId: t.municipalityId }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/residents/{id}',
      roles: ['municipality-admin'],
      url: (t) => `/api/residents/${t.residentId}`,
      body: () => ({ careNote: 'changed' }),
      fresh: freshResident,
    },
    {
      service: 'registry',
      method: 'DELETE',
      path: '/api/residents/{id}',
      roles: ['municipality-admin'],
      url: (t) => `/api/residents/${t.residentId}`,
      fresh: freshResident,
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/devices',
      roles: ['municipality-admin'],
      url: () => '/api/devices',
    },
    {
      service: 'registry',
      method: 'GET',
      path: '/api/devices/{id}',
      roles: ['municipality-admin'],
      url: (t) => `/api/devices/${t.deviceId}`,
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices',
      roles: ['municipality-admin'],
      url: () => '/api/devices',
      body: (t) => ({
        id: uniqueName('created'),
        serialNumber: uniqueName('sn'),
        kind: 'safety_alarm',
        municipalityId: t.municipalityId,
      }),
    },
    {
      service: 'registry',
      method: 'PATCH',
      path: '/api/devices/{id}',
      roles: ['municipality-admin'],
      url: (t) => `/api/devices/${t.deviceId}`,
      body: () => ({ heartbeatIntervalSeconds: 60 }),
      fresh: (t) => freshDevice(t, 'in_stock'),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices/{id}/onboard',
      roles: ['municipality-admin'],
      url: (t) => `/api/devices/${t.deviceId}/onboard`,
      body: (t) => ({ residentId: t.residentId }),
      fresh: async (t) => freshDevice(await freshResident(t), 'in_stock'),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices/{id}/rotate-secret',
      roles: ['municipality-admin'],
      url: (t) => `/api/devices/${t.deviceId}/rotate-secret`,
      fresh: (t) => freshDevice(t, 'active'),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/devices/{id}/retire',
      roles: ['municipality-admin'],
      url: (t) => `/api/devices/${t.deviceId}/retire`,
      fresh: (t) => freshDevice(t, 'active'),
    },
    {
      service: 'registry',
      method: 'POST',
      path: '/api/imports',
      roles: ['municipality-admin'],
      url: () => '/api/imports?mode=all-or-nothing',
      body: (t) => csvFor(t),
    },
    {
      service: 'centre',
      method: 'GET',
      path: '/api/alarms',
      roles: ['operator', 'supervisor'],
      url: () => '/api/alarms?limit=500',
    },
    // Replays every step since the start: another centre's people must find none of tenant A's in it.
    {
      service: 'centre',
      method: 'GET',
      path: '/api/alarms/stream',
      roles: ['operator', 'supervisor'],
      url: () => '/api/alarms/stream?since=0.0',
    },
    {
      service: 'centre',
      method: 'GET',
      path: '/api/alarms/{id}',
      roles: ['operator', 'supervisor'],
      url: (t) => `/api/alarms/${t.alarmId}`,
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/acknowledge',
      roles: ['operator', 'supervisor'],
      url: (t) => `/api/alarms/${t.alarmId}/acknowledge`,
      fresh: freshAlarm,
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/notes',
      roles: ['operator', 'supervisor'],
      url: (t) => `/api/alarms/${t.alarmId}/notes`,
      body: () => ({ text: 'fencing test' }),
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/resolve',
      roles: ['operator', 'supervisor'],
      url: (t) => `/api/alarms/${t.alarmId}/resolve`,
      body: () => ({ outcome: 'other' }),
      fresh: freshTakenAlarm,
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/dispatches/{dispatchId}/withdraw',
      roles: ['operator', 'supervisor'],
      url: (t) => `/api/alarms/${t.alarmId}/dispatches/${t.dispatchId}/withdraw`,
      body: () => ({ reason: 'fencing test' }),
      fresh: freshDispatch,
    },
    {
      service: 'centre',
      method: 'POST',
      path: '/api/alarms/{id}/dispatches',
      roles: ['operator', 'supervisor'],
      url: (t) => `/api/alarms/${t.alarmId}/dispatches`,
      body: (t) => ({ homeCareTeamId: t.teamId, instructions: 'fencing test' }),
      fresh: freshTakenAlarm,
    },
    {
      service: 'centre',
      method: 'GET',
      path: '/api/devices/{deviceId}/events',
      roles: ['operator', 'supervisor'],
      url: (t) => `/api/devices/${t.deviceId}/events`,
    },
    // Reports: a supervisor for the centre's municipalities, a municipality administrator for their own.
    ...(['', '/csv', '/pdf'] as const).map((suffix): Route => ({
      service: 'centre',
      method: 'GET',
      path: `/api/reports/municipalities/{municipalityId}${suffix}`,
      roles: ['supervisor', 'municipality-admin'],
      url: (t) => `/api/reports/municipalities/${t.municipalityId}${suffix}`,
    })),
    {
      service: 'centre',
      method: 'GET',
      path: '/api/reports/centres/{centreId}',
      roles: ['supervisor'],
      url: (t) => `/api/reports/centres/${t.centreId}`,
    },
    {
      service: 'centre',
      method: 'GET',
      path: '/api/wallboard/centres/{centreId}',
      roles: ['supervisor'],
      url: (t) => `/api/wallboard/centres/${t.centreId}`,
    },
    {
      service: 'home-care',
      method: 'GET',
      path: '/api/dispatches',
      roles: ['home-care'],
      url: () => '/api/dispatches?limit=500',
    },
    // From the very start of the team's log: a stream that leaked another team's rows would show them.
    {
      service: 'home-care',
      method: 'GET',
      path: '/api/dispatches/stream',
      roles: ['home-care'],
      url: () => '/api/dispatches/stream?since=0.0',
    },
    {
      service: 'home-care',
      method: 'GET',
      path: '/api/dispatches/{id}',
      roles: ['home-care'],
      url: (t) => `/api/dispatches/${t.dispatchId}`,
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/accept',
      roles: ['home-care'],
      url: (t) => `/api/dispatches/${t.dispatchId}/accept`,
      fresh: freshDispatch,
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/decline',
      roles: ['home-care'],
      url: (t) => `/api/dispatches/${t.dispatchId}/decline`,
      body: () => ({ reason: 'fencing test' }),
      fresh: freshDispatch,
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/en-route',
      roles: ['home-care'],
      url: (t) => `/api/dispatches/${t.dispatchId}/en-route`,
      fresh: freshDispatchAfter('accept'),
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/arrived',
      roles: ['home-care'],
      url: (t) => `/api/dispatches/${t.dispatchId}/arrived`,
      fresh: freshDispatchAfter('accept', 'en-route'),
    },
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/dispatches/{id}/complete',
      roles: ['home-care'],
      url: (t) => `/api/dispatches/${t.dispatchId}/complete`,
      body: () => ({ report: 'fencing test' }),
      fresh: freshDispatchAfter('accept', 'en-route', 'arrived'),
    },
    {
      service: 'home-care',
      method: 'GET',
      path: '/api/push/config',
      roles: ['home-care'],
      url: () => '/api/push/config',
    },
    // Tenant B's nurse naming tenant A's phone: refused (403), never moved to B's team.
    {
      service: 'home-care',
      method: 'POST',
      path: '/api/push/subscriptions',
      roles: ['home-care'],
      url: () => '/api/push/subscriptions',
      body: phoneOf,
      fresh: subscribedPhone,
    },
    {
      service: 'home-care',
      method: 'DELETE',
      path: '/api/push/subscriptions',
      roles: ['home-care'],
      url: () => '/api/push/subscriptions',
      body: (t) => ({ endpoint: phoneOf(t).endpoint }),
      fresh: subscribedPhone,
    },
  ];

  /** The roles that may not call the route: each must get 403, whatever tenant it is scoped to. */
  const wrongRoles = (route: Route): Role[] => ROLES.filter((role) => !route.roles.includes(role));

  /** The roles the access guard names when it refuses a caller for the role (access.guard.ts); null for any other answer. */
  function guardRefusal(text: string): string[] | null {
    try {
      const { message } = JSON.parse(text) as { message?: unknown };
      const named = typeof message === 'string' ? /^this needs one of the roles: (.+)$/.exec(message) : null;
      return named ? named[1].split(', ') : null;
    } catch {
      return null;
    }
  }

  const sameRoles = (named: string[] | null, roles: Role[]) =>
    named !== null && JSON.stringify([...named].sort()) === JSON.stringify([...roles].sort());

  /** Tenant B's people with the roles that may call the route (system admins have no tenant). */
  const otherTenant = (route: Route): Role[] => route.roles.filter((role) => role !== 'system-admin');

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

  /** Bearer tokens on every route; session cookies on the routes of the services with a page. */
  const CREDENTIALS = ['bearer token', 'session cookie'] as const;
  type CredentialKind = (typeof CREDENTIALS)[number];
  const routesFor = (kind: CredentialKind) =>
    kind === 'bearer token' ? ROUTES : ROUTES.filter((route) => PAGE_SERVICES.includes(route.service));
  const credentialOf = (kind: CredentialKind, t: Tenant, role: Role, route: Route): Promise<Credential> =>
    kind === 'bearer token' ? tokensOf(t)[role]() : sessionOf(t, role, route.service);

  it.each(CREDENTIALS)(
    "refuses every role that may not call a route with the access guard's 403, on every endpoint, lists and live streams included (%s)",
    async (kind) => {
      const problems: string[] = [];
      let tried = 0;
      for (const route of routesFor(kind)) {
        for (const role of wrongRoles(route)) {
          const answer = await call(
            route.service,
            route.method,
            route.url(a),
            await credentialOf(kind, a, role, route),
            route.body?.(a),
          );
          tried++;
          const what = `${route.method} ${route.path} as ${role} of tenant A`;
          // Refused by the access guard for the role, naming the roles stated here: not by the data (an
          // empty list, a 404 or a 422 would hide a missing @Roles), nor only by a check deeper in the service.
          if (answer.status !== 403 || !sameRoles(guardRefusal(answer.text), route.roles))
            problems.push(
              `${what}: ${answer.status} ${answer.text.slice(0, 200)} (wanted 403 "this needs one of the roles: ${route.roles.join(', ')}")`,
            );
          const leaked = leaks(answer.text, route);
          if (leaked.length > 0) problems.push(`${what}: leaked ${leaked.join(', ')}`);
        }
      }
      expect(problems).toEqual([]);
      expect(tried).toBeGreaterThan(routesFor(kind).length);
    },
  );

  it.each(CREDENTIALS)(
    "answers the other tenant's people of the right role with 403/404, or a list or stream without tenant A's data (%s)",
    async (kind) => {
      const problems: string[] = [];
      for (const route of routesFor(kind)) {
        for (const role of otherTenant(route)) {
          const answer = await call(
            route.service,
            route.method,
            route.url(a),
            await credentialOf(kind, b, role, route),
            route.body?.(a),
          );
          const what = `${route.method} ${route.path} as ${role} of tenant B`;
          // A list, or a live stream of the caller's own tenant: allowed, as long as nothing of A is in it.
          const listAnswer = route.method === 'GET' && answer.status === 200 && answer.text.startsWith('[');
          const streamAnswer =
            route.path.endsWith('/stream') && answer.status === 200 && answer.text.includes('event: ready');
          // The same public key for every nurse: no tenant's data.
          const pushKey = route.path === '/api/push/config' && answer.status === 200;
          if (
            ![403, 404].includes(answer.status) &&
            !listAnswer &&
            !streamAnswer &&
            !pushKey &&
            !(route.path === '/api/imports' && answer.status === 422)
          )
            problems.push(`${what}: status ${answer.status} ${answer.text.slice(0, 200)}`);
          const leaked = leaks(answer.text, route);
          if (leaked.length > 0) problems.push(`${what}: leaked ${leaked.join(', ')}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('answers every role that may call a route with 2xx, on every endpoint, the destructive ones on data of their own', async () => {
    const cases = ROUTES.flatMap((route) => route.roles.map((role) => ({ route, role })));
    expect(ROUTES.every((route) => route.roles.length > 0)).toBe(true);
    // The data of their own first, a few at a time (each is registry calls and, for alarms, a trip through Kafka).
    const targets: Tenant[] = [];
    for (let start = 0; start < cases.length; start += 6)
      targets.push(...(await Promise.all(cases.slice(start, start + 6).map(({ route }) => route.fresh?.(a) ?? a))));
    const problems: string[] = [];
    for (const [k, { route, role }] of cases.entries()) {
      const target = targets[k];
      const answer = await call(
        route.service,
        route.method,
        route.url(target),
        await tokensOf(target)[role](),
        route.body?.(target),
      );
      const what = `${route.method} ${route.path} as ${role}${route.fresh ? ' (on data of its own)' : ''}`;
      if (answer.status < 200 || answer.status > 299)
        problems.push(`${what}: status ${answer.status} ${answer.text.slice(0, 200)}`);
      else if (route.service === 'centre' && route.path.endsWith('/stream') && !answer.text.includes('event: ready'))
        problems.push(`${what}: the stream did not finish its replay`);
    }
    expect(problems).toEqual([]);
    // The stream replays tenant A's own steps to A's operator, the dispatch among them.
    const ownStream = await call('centre', 'GET', '/api/alarms/stream?since=0.0', await operatorToken(a.centreId));
    expect(ownStream.text).toContain(a.alarmId);
    expect(ownStream.text).toContain(a.dispatchId);
    expect(ownStream.text).not.toContain(b.alarmId);
    const queue = await call('centre', 'GET', '/api/alarms?limit=500', await operatorToken(a.centreId));
    expect(queue.text).toContain(a.alarmId);
    expect(queue.text).not.toContain(b.alarmId);
  }, 300_000);

  it('answers every role that may call a console or phone-page route with 2xx on its session cookie (routes that change nothing of their own)', async () => {
    const problems: string[] = [];
    const cases = routesFor('session cookie').filter((route) => !route.fresh);
    expect(cases.length).toBeGreaterThan(3);
    for (const route of cases) {
      for (const role of route.roles) {
        const answer = await call(
          route.service,
          route.method,
          route.url(a),
          await sessionOf(a, role, route.service),
          route.body?.(a),
        );
        if (answer.status < 200 || answer.status > 299)
          problems.push(
            `${route.method} ${route.path} as ${role}: status ${answer.status} ${answer.text.slice(0, 200)}`,
          );
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses every change made with a session cookie but without the CSRF header, without Origin or from another origin, and changes nothing', async () => {
    const changes = routesFor('session cookie').filter((route) => route.method !== 'GET');
    // What a refused change could have touched: the alarm's state and log, the dispatch's status and log.
    const stateOfA = async () => {
      const alarm = await call('centre', 'GET', `/api/alarms/${a.alarmId}`, await operatorToken(a.centreId));
      const dispatch = await call('home-care', 'GET', `/api/dispatches/${a.dispatchId}`, await homeCareToken(a.teamId));
      const { state, log } = JSON.parse(alarm.text) as { state: string; log: unknown[] };
      const { status, log: steps } = JSON.parse(dispatch.text) as { status: string; log: unknown[] };
      return { state, log, status, steps };
    };
    const before = await stateOfA();
    expect(changes.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const route of changes) {
      const browser = await sessionOf(a, route.roles[0], route.service);
      for (const [what, options] of [
        ['no CSRF header', { csrf: null }],
        ['a CSRF header of another session', { csrf: (await sessionOf(b, route.roles[0], route.service)).csrfToken }],
        ['no Origin', { origin: null }],
        ['another origin', { origin: 'https://evil.example' }],
        ['the other page', { origin: pages[route.service === 'centre' ? 'home-care' : 'centre'].url }],
      ] as const) {
        const answer = await browser.call(route.method, route.url(a), { body: route.body?.(a), ...options });
        if (answer.status !== 403 || !answer.text.includes('session cookie'))
          problems.push(`${route.method} ${route.path} with ${what}: ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    }
    expect(problems).toEqual([]);
    // Nothing was changed: tenant A's alarm and dispatch (with their logs) are as they were.
    expect(await stateOfA()).toEqual(before);
  });

  it('refuses a session cookie on a read from another origin or another site', async () => {
    const operator = await sessionOf(a, 'operator', 'centre');
    for (const options of [
      { origin: pages['home-care'].url },
      { origin: null, site: 'same-site' },
      { origin: null, site: 'cross-site' },
    ]) {
      const answer = await operator.call('GET', `/api/alarms/${a.alarmId}`, options);
      expect({ options, status: answer.status, leaked: leaks(answer.text, ROUTES[0]) }).toEqual({
        options,
        status: 403,
        leaked: [],
      });
    }
    expect((await operator.call('GET', `/api/alarms/${a.alarmId}`)).status).toBe(200);
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
    const issuer = currentIssuer();
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
