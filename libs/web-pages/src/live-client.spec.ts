import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The pages' shared client (plain browser JavaScript) in Node, which has the same fetch and
 * streams: against a server that sends one event and then falls silent without closing (a phone
 * that slept, a proxy that hung), the watchdog drops the connection and the client comes back
 * with Last-Event-ID, the headers from the one header hook, and gets the next event.
 */
describe('live-client.js: silence watchdog, resume and the header hook', () => {
  let server: Server;
  let base: string;
  const seen: { lastEventId?: string; csrf?: string; authorization?: string }[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      seen.push({
        lastEventId: request.headers['last-event-id'] as string | undefined,
        csrf: request.headers['x-csrf'] as string | undefined,
        authorization: request.headers.authorization,
      });
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const next = seen.length;
      response.write(`id: 1.${next}\nevent: step\ndata: {"n":${next}}\n\n`);
      // ...and then nothing, not even a heartbeat, and the connection stays open.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('drops a silent connection and resumes after the last event, sending the hook’s headers each time', async () => {
    const client = await import('../public/live-client.js');
    client.configureClient({ bearer: () => null, extraHeaders: () => ({ 'x-csrf': 'token-from-the-session' }) });
    const events: unknown[] = [];
    const lost: string[] = [];
    const stream = client.followStream(`${base}/stream`, {
      cursor: '1.0',
      // Long enough that a loaded machine still delivers the first event before the watchdog fires
      // (at 300 ms, with a load average of 20 on 2 cores, the first connection was dropped before its event).
      silenceMs: 1500,
      onEvent: (event) => events.push(JSON.parse(event.data)),
      onLost: (reason) => lost.push(reason),
    });
    const deadline = Date.now() + 20_000;
    while (events.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    stream.stop();
    expect(events.slice(0, 2)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(lost[0]).toBe('no heartbeat');
    expect(seen.slice(0, 2)).toEqual([
      { lastEventId: '1.0', csrf: 'token-from-the-session', authorization: undefined },
      { lastEventId: '1.1', csrf: 'token-from-the-session', authorization: undefined },
    ]);
  });
});
