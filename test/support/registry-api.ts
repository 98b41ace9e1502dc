import { uniqueName } from './test-infra';
import { municipalityAdminToken, systemAdminToken } from './tokens';

export interface Answer<T = any> {
  status: number;
  body: T;
}

/**
 * A small HTTP client for the registry's API in tests, with helpers that build a valid setup.
 * `token`: the bearer token every call carries (test/support/tokens.ts); null sends none. Left
 * out, the client acts as the administrators a registry has: a system administrator for
 * centres and municipalities, and for everything else the administrator of the municipality
 * the last setup() made (or the one set with inMunicipality()).
 */
export class RegistryApi {
  private municipalityId: string | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly token?: string | null,
  ) {}

  /** The same API, called as someone else (null: with no token). */
  as(token: string | null): RegistryApi {
    return new RegistryApi(this.baseUrl, token);
  }

  /** Acting as the administrators, those of this municipality. */
  inMunicipality(municipalityId: string): RegistryApi {
    const api = new RegistryApi(this.baseUrl);
    api.municipalityId = municipalityId;
    return api;
  }

  async call<T = any>(
    method: string,
    path: string,
    json?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const body = json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json);
    const contentType: Record<string, string> =
      body === undefined || typeof json === 'string' ? {} : { 'content-type': 'application/json' };
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      body,
      headers: { ...contentType, ...(await this.authorization(path)), ...headers },
    });
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('application/json') && text !== '';
    return { status: response.status, body: (isJson ? JSON.parse(text) : text) as T };
  }

  private async authorization(path: string): Promise<Record<string, string>> {
    const token = this.token === undefined ? await this.administrator(path) : this.token;
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  private async administrator(path: string): Promise<string | null> {
    if (/^\/api\/(response-centres|municipalities)/.test(path) || this.municipalityId === null)
      return systemAdminToken();
    return municipalityAdminToken(this.municipalityId);
  }

  /** Calls and insists on the status, showing the body when it differs. */
  async expect<T = any>(status: number, method: string, path: string, json?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, json);
    if (answer.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** A centre, a municipality with a fresh four-digit number, and one home-care team in it. */
  async setup(): Promise<{
    centreId: string;
    municipalityId: string;
    municipalityNumber: string;
    teamId: string;
    teamName: string;
  }> {
    const centre = await this.expect(201, 'POST', '/api/response-centres', { name: uniqueName('centre') });
    const municipalityNumber = String(Math.floor(1000 + Math.random() * 9000));
    const municipality = await this.expect(201, 'POST', '/api/municipalities', {
      number: municipalityNumber,
      name: uniqueName('kommune'),
      responseCentreId: centre.id,
    });
    const teamName = uniqueName('team');
    this.municipalityId = municipality.id;
    const team = await this.expect(201, 'POST', '/api/home-care-teams', {
      municipalityId: municipality.id,
      name: teamName,
    });
    return { centreId: centre.id, municipalityId: municipality.id, municipalityNumber, teamId: team.id, teamName };
  }
}
