import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import {
  DispatchRecord,
  DispatchRequestedRecord,
  DispatchWithdrawnRecord,
  encodeDispatchRecord,
  KafkaTopics,
} from '@welfare/contracts';
import { eventually } from './eventually';
import { testInfra, uniqueName } from './test-infra';
import { tokenFor } from './tokens';

/**
 * What the response centre would put on dispatches.v1, for tests of the home-care service (the
 * centre's side is built elsewhere): a dispatch for a team, with a resident and a deadline an
 * hour away unless told otherwise.
 */
export function dispatchRequested(
  homeCareTeamId: string,
  overrides: Partial<DispatchRequestedRecord> = {},
): DispatchRequestedRecord {
  const residentId = randomUUID();
  return {
    v: 1,
    type: 'dispatch.requested',
    dispatchId: randomUUID(),
    alarmId: randomUUID(),
    homeCareTeamId,
    municipalityId: randomUUID(),
    responseCentreId: randomUUID(),
    priority: 1,
    triggerType: 'fall.detected',
    instructions: 'Resident fell in the bathroom, is conscious. Go now; call the centre from the door.',
    resident: {
      residentId,
      name: `Resident ${residentId.slice(0, 8)}`,
      address: `Testveien ${residentId.slice(0, 4)}, 3015 Drammen`,
      keyBox: 'Key box left of the front door, code from the centre',
      doorCodeHint: 'Birth year of the cat',
      accessNote: 'Friendly dog; side door sticks',
      contacts: [{ name: 'Kari (daughter)', phone: '+47 912 34 567', relation: 'daughter' }],
    },
    requestedBy: { id: 'operator-anna', name: 'Anna Operator' },
    requestedAt: new Date().toISOString(),
    acceptBy: new Date(Date.now() + 3600_000).toISOString(),
    ...overrides,
  };
}

export function dispatchWithdrawn(
  requested: DispatchRequestedRecord,
  overrides: Partial<DispatchWithdrawnRecord> = {},
): DispatchWithdrawnRecord {
  return {
    v: 1,
    type: 'dispatch.withdrawn',
    dispatchId: requested.dispatchId,
    alarmId: requested.alarmId,
    homeCareTeamId: requested.homeCareTeamId,
    reason: 'The resident called back: false alarm',
    withdrawnBy: { id: 'operator-anna', name: 'Anna Operator' },
    withdrawnAt: new Date().toISOString(),
    ...overrides,
  };
}

/** Produces the centre's records (key: alarm id, as the contract says). */
export class DispatchProducer {
  private constructor(private readonly producer: Producer) {}

  static async connect(): Promise<DispatchProducer> {
    const kafka = new Kafka({
      clientId: uniqueName('centre-side'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return new DispatchProducer(producer);
  }

  async send(...records: DispatchRecord[]): Promise<void> {
    await this.producer.send({
      topic: KafkaTopics.dispatches,
      acks: -1,
      messages: records.map((record) => ({ key: record.alarmId, value: encodeDispatchRecord(record) })),
    });
  }

  /** Anything at all, for poison records. */
  async sendRaw(key: string, value: Buffer | string): Promise<void> {
    await this.producer.send({ topic: KafkaTopics.dispatches, acks: -1, messages: [{ key, value }] });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export const nurseToken = (homeCareTeamId: string, sub = uniqueName('nurse'), name = `Nurse ${sub.slice(-5)}`) =>
  tokenFor({ role: 'home-care', homeCareTeamId, sub, name });

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** One call to the home-care API; token null sends no Authorization header. */
export async function callHomeCare<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  token: string | null,
  json?: unknown,
): Promise<Answer<T>> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json') && text !== '';
  return { status: response.status, headers: response.headers, body: (isJson ? JSON.parse(text) : text) as T };
}

/** Waits until the service has stored the dispatch (its team's nurse can read it). */
export async function dispatchStored(baseUrl: string, record: DispatchRequestedRecord, token: string): Promise<any> {
  return eventually(async () => {
    const answer = await callHomeCare(baseUrl, 'GET', `/api/dispatches/${record.dispatchId}`, token);
    if (answer.status !== 200) throw new Error(`dispatch ${record.dispatchId} not stored yet (${answer.status})`);
    return answer.body;
  });
}

export interface ServerSentEvent {
  id: string | null;
  event: string;
  data: string;
  /** data parsed as JSON (null when it is not). */
  json: any;
}

/**
 * A Server-Sent Events reader for tests, as the phone page reads the stream: fetch with the
 * bearer token in the Authorization header and the body read as it arrives.
 */
export class EventStreamReader {
  readonly events: ServerSentEvent[] = [];
  readonly comments: string[] = [];
  /** Resolves when the server ends the stream (or the reader is closed). */
  readonly ended: Promise<void>;
  status = 0;
  headers = new Headers();
  /** The answer's body when the stream was refused (not 200). */
  refusal: any = null;
  private readonly controller = new AbortController();
  private markEnded!: () => void;

  private constructor() {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
  }

  /** Opens the stream; a refusal (not 200) is kept in `refusal`, and nothing is read. */
  static async open(
    url: string,
    token: string | null,
    headers: Record<string, string> = {},
  ): Promise<EventStreamReader> {
    const reader = new EventStreamReader();
    const response = await fetch(url, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), accept: 'text/event-stream', ...headers },
      signal: reader.controller.signal,
    });
    reader.status = response.status;
    reader.headers = response.headers;
    if (response.status !== 200 || !response.body) {
      const text = await response.text();
      reader.refusal = text.startsWith('{') ? JSON.parse(text) : text;
      reader.markEnded();
      return reader;
    }
    void reader.read(response.body);
    return reader;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.take(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // closed by us, or the connection dropped
    } finally {
      this.markEnded();
    }
  }

  private take(block: string): void {
    const event: ServerSentEvent = { id: null, event: 'message', data: '', json: null };
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = value;
      else if (field === 'event') event.event = value;
      else if (field === 'data') event.data += (event.data ? '\n' : '') + value;
      else continue;
      fields++;
    }
    if (fields === 0) return;
    try {
      event.json = JSON.parse(event.data);
    } catch {
      event.json = null;
    }
    this.events.push(event);
  }

  /** `dispatch` events only. */
  get dispatchEvents(): ServerSentEvent[] {
    return this.events.filter((event) => event.event === 'dispatch');
  }

  async waitFor(matches: (event: ServerSentEvent) => boolean, timeoutMs = 20_000): Promise<ServerSentEvent> {
    return eventually(() => {
      const found = this.events.find(matches);
      if (!found)
        throw new Error(
          `no matching event among ${this.events.length}: ${this.events.map((event) => `${event.event}:${event.json?.entry?.step ?? ''}`).join(', ')}`,
        );
      return found;
    }, timeoutMs);
  }

  close(): void {
    this.controller.abort();
  }
}
