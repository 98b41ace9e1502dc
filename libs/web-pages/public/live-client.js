// The one browser client of both pages (operator console, nurses' phone page) for the API and
// the live streams. Plain ES module, no build step.
//
// Every request, the live stream included, gets its headers from headersFor(): whatever the
// sign-in needs through the one hook (the pages: the CSRF header of their backend-for-frontend
// session, from /auth/session.js), and a bearer token for a caller that holds one. Requests send
// same-origin cookies, which carry the session.
//
// The stream is Server-Sent Events read with fetch (not EventSource: headers, never a token in
// a URL). It resumes with Last-Event-ID after a loss, and a silence watchdog drops a connection
// that stopped delivering even heartbeats (a phone that slept, a proxy that hung).

/** Both services send a heartbeat every 15 s: three missed ones mean the connection is dead. */
export const SILENCE_LIMIT_MS = 45_000;
const RECONNECT_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

let headerSource = () => ({});
let bearerToken = () => null;
let onUnauthorized = () => {};

/**
 * How requests are signed: `bearer` returns a token or null (cookie sessions), `extraHeaders`
 * returns headers for a method (e.g. a CSRF token on state-changing ones), `unauthorized` runs
 * on any 401 (the page asks for sign-in again).
 */
export function configureClient({ bearer, extraHeaders, unauthorized } = {}) {
  if (bearer) bearerToken = bearer;
  if (extraHeaders) setHeaderSource(extraHeaders);
  if (unauthorized) onUnauthorized = unauthorized;
}

/** The one place a sign-in scheme adds headers (CSRF and the like) to every request. */
export function setHeaderSource(source) {
  headerSource = source;
}

export function headersFor(method, extra = {}) {
  const headers = { ...extra, ...headerSource(method) };
  const token = bearerToken();
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

export class ApiError extends Error {
  constructor(status, message, json) {
    super(message);
    this.status = status;
    this.json = json;
  }
}

/** The service's `message` (a string or a list of them), or null. */
export function messageOf(json) {
  const message = json?.message;
  return Array.isArray(message) ? message.join('; ') : (message ?? null);
}

/**
 * One API call. Answers `{ status, headers, json }` for every HTTP answer (the caller decides
 * what a 409 means); throws only when there was no answer (offline) or on 401 (after telling
 * the page through `unauthorized`).
 */
export async function request(method, path, body) {
  const extra = body === undefined ? {} : { 'content-type': 'application/json' };
  const response = await fetch(path, {
    method,
    headers: headersFor(method, extra),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null; // not JSON (a proxy's error page): the status still says what happened
  }
  if (response.status === 401) {
    onUnauthorized(messageOf(json));
    throw new ApiError(401, messageOf(json) ?? 'unauthorized', json);
  }
  return { status: response.status, headers: response.headers, json };
}

/** Like request(), but any answer other than 2xx is thrown as an ApiError with the service's message. */
export async function api(method, path, body) {
  const answer = await request(method, path, body);
  if (answer.status < 200 || answer.status > 299)
    throw new ApiError(answer.status, messageOf(answer.json) ?? `HTTP ${answer.status}`, answer.json);
  return answer.json;
}

/**
 * Follows a live stream until stop(). Callbacks: onOpen() when connected, onEvent({type, id,
 * data}) per event, onLost(reason, delayMs) before each reconnect, onRefused(status, message)
 * when the service refuses the stream for good (401/403: no reconnect), onCursorRefused() when
 * it refuses the position (400: the page reloads its list; the stream starts afresh).
 */
export function followStream(
  path,
  { cursor = null, onOpen, onEvent, onLost, onRefused, onCursorRefused, silenceMs = SILENCE_LIMIT_MS } = {},
) {
  const stream = { cursor, silenceMs, stopped: false, attempt: 0, controller: null, timer: null };

  const connect = () => {
    if (stream.stopped) return;
    const controller = new AbortController();
    stream.controller = controller;
    void readOnce(path, stream, controller, { onOpen, onEvent, onRefused, onCursorRefused }).then((outcome) => {
      if (stream.stopped || stream.controller !== controller || outcome.final) return;
      const delay = outcome.delay ?? RECONNECT_DELAYS_MS[Math.min(stream.attempt, RECONNECT_DELAYS_MS.length - 1)];
      stream.attempt++;
      onLost?.(outcome.reason, delay);
      stream.timer = setTimeout(connect, delay);
    });
  };

  connect();
  return {
    get cursor() {
      return stream.cursor;
    },
    /** Drops the connection now and comes back at once (the page was shown again, the network came back). */
    reconnect() {
      clearTimeout(stream.timer);
      stream.controller?.abort();
      stream.attempt = 0;
      connect();
    },
    stop() {
      stream.stopped = true;
      clearTimeout(stream.timer);
      stream.controller?.abort();
    },
  };
}

/** One connection: resolves with why it ended, never rejects. */
async function readOnce(path, stream, controller, { onOpen, onEvent, onRefused, onCursorRefused }) {
  let silence;
  const watchdog = () => {
    clearTimeout(silence);
    silence = setTimeout(() => controller.abort('silence'), stream.silenceMs);
  };
  try {
    const extra = { accept: 'text/event-stream' };
    if (stream.cursor) extra['last-event-id'] = stream.cursor;
    watchdog();
    const response = await fetch(path, {
      headers: headersFor('GET', extra),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: controller.signal,
    });
    if (response.status === 401 || response.status === 403) {
      const json = await response.json().catch(() => null);
      if (response.status === 401) onUnauthorized(messageOf(json));
      onRefused?.(response.status, messageOf(json));
      return { final: true };
    }
    if (response.status === 400 && stream.cursor) {
      stream.cursor = null;
      onCursorRefused?.();
      return { reason: 'cursor refused', delay: 0 };
    }
    if (!response.ok || !response.body) return { reason: `HTTP ${response.status}` };
    stream.attempt = 0;
    onOpen?.();
    watchdog();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { reason: 'closed by the service' };
      watchdog();
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event.id) stream.cursor = event.id;
        if (event.type === 'shutdown') return { reason: 'the service is restarting', delay: 500 };
        if (event.type !== 'heartbeat' && (event.data || event.type !== 'message')) onEvent?.(event);
      }
    }
  } catch {
    return { reason: controller.signal.reason === 'silence' ? 'no heartbeat' : 'no connection' };
  } finally {
    clearTimeout(silence);
  }
}

/** One SSE block: `event:`, `id:` and `data:` lines; comment lines (heartbeats) start with ":". */
export function parseEvent(block) {
  const event = { type: 'message', id: null, data: '' };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.type = value;
    else if (field === 'id') event.id = value;
    else if (field === 'data') event.data += event.data ? `\n${value}` : value;
  }
  return event;
}
