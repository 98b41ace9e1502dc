import { eventually } from './eventually';

export interface SseEvent {
  type: string;
  id: string | null;
  data: string;
}

export interface SseOptions {
  /** Sent as the bearer token; null sends no Authorization header. */
  token: string | null;
  since?: string;
  lastEventId?: string;
}

/**
 * A Server-Sent Events client as the console is one: fetch with the token in a header, the body
 * read as it arrives. Keeps every event (and the raw text) for assertions; close() aborts.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  text = '';
  private buffer = '';
  private done: Promise<void> = Promise.resolve();

  private constructor(
    readonly status: number,
    readonly contentType: string,
    private readonly controller: AbortController,
  ) {}

  static async open(baseUrl: string, options: SseOptions): Promise<SseClient> {
    const controller = new AbortController();
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.authorization = `Bearer ${options.token}`;
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const query = options.since !== undefined ? `?since=${encodeURIComponent(options.since)}` : '';
    const response = await fetch(`${baseUrl}/api/alarms/stream${query}`, { headers, signal: controller.signal });
    const client = new SseClient(response.status, response.headers.get('content-type') ?? '', controller);
    if (!client.contentType.startsWith('text/event-stream')) {
      client.text = await response.text();
      return client;
    }
    client.done = client.read(response.body!).catch(() => undefined);
    return client;
  }

  /** Step events, parsed. */
  steps<T = Record<string, any>>(): (T & { id: string })[] {
    return this.events
      .filter((event) => event.type === 'step')
      .map((event) => ({ ...(JSON.parse(event.data) as T), id: event.id! }));
  }

  /** The id of the newest event of any kind (what a reconnecting client sends as Last-Event-ID). */
  get lastId(): string | null {
    return [...this.events].reverse().find((event) => event.id !== null)?.id ?? null;
  }

  async waitFor(what: string, matches: (event: SseEvent) => boolean, timeoutMs = 20_000): Promise<SseEvent> {
    return eventually(
      () => {
        const found = this.events.find(matches);
        if (!found) throw new Error(`no ${what} among ${this.events.length} events`);
        return found;
      },
      timeoutMs,
      50,
    );
  }

  waitForReady(timeoutMs?: number): Promise<SseEvent> {
    return this.waitFor('ready event', (event) => event.type === 'ready', timeoutMs);
  }

  /** Resolves when the server ended the stream (or close() aborted it). */
  get ended(): Promise<void> {
    return this.done;
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      this.text += text;
      this.buffer += text;
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) this.events.push(event);
      }
    }
  }
}

function parseBlock(block: string): SseEvent | null {
  const event: SseEvent = { type: 'message', id: null, data: '' };
  let fields = 0;
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    fields++;
    if (field === 'event') event.type = value;
    else if (field === 'id') event.id = value;
    else if (field === 'data') event.data = event.data ? `${event.data}\n${value}` : value;
  }
  return fields > 0 ? event : null;
}
