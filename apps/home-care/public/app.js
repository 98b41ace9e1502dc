// The nurses' phone page: the team's dispatches, live. Plain ES module, no build step.
// Flow: sign in at the organisation's provider (/auth/session.js: the page holds no token; the
// browser sends the session cookie), GET /api/dispatches (its Stream-Cursor header says where the
// list stands), then follow GET /api/dispatches/stream from there with fetch + ReadableStream. On
// a lost connection it comes back with Last-Event-ID and gets exactly what it missed.

import { currentSession, sessionHeaders, signIn as goSignIn, signOut as endSession } from '/auth/session.js';

const ACTIVE = new Set(['requested', 'accepted', 'en_route', 'arrived']);
const STATUS_TEXT = {
  requested: 'New: waiting for someone to accept',
  accepted: 'Accepted',
  en_route: 'En route',
  arrived: 'Arrived',
  completed: 'Completed',
  declined: 'Declined',
  expired: 'Expired: nobody accepted in time',
  withdrawn: 'Withdrawn by the response centre',
};
const TRIGGER_TEXT = {
  'alarm.button': 'Alarm button pressed',
  'fall.detected': 'Fall detected',
  'door.opened': 'Door opened at night',
  'gps.position': 'Left the safe zone',
};
/** No byte for this long (heartbeats come every 15 s): the connection is dead even if nobody said so. */
const SILENCE_LIMIT_MS = 45_000;

const $ = (id) => document.getElementById(id);
const state = {
  signedIn: false,
  me: null,
  cursor: null,
  dispatches: new Map(),
  stream: null,
  retryMs: 1000,
  busy: new Set(),
  notes: new Map(),
  openDeclines: new Set(),
};

// ---------------------------------------------------------------------------------------------
// Sign-in

function signedIn({ actor }) {
  state.signedIn = true;
  state.me = { id: actor.subject, name: actor.name, team: actor.homeCareTeamId };
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  $('who').textContent = `Signed in as ${state.me.name}${state.me.team ? `, team ${state.me.team.slice(0, 8)}` : ''}`;
  $('dispatches').hidden = false;
  problem(null);
  void start();
}

function signedOut(message) {
  stopStream();
  state.signedIn = false;
  state.me = null;
  state.cursor = null;
  state.dispatches.clear();
  $('sign-in').hidden = false;
  $('signed-in').hidden = true;
  $('dispatches').hidden = true;
  render();
  connection('offline', 'Not signed in');
  problem(message ?? null);
  $('sign-in-button').focus();
}

// ---------------------------------------------------------------------------------------------
// Talking to the service

async function api(method, path, body) {
  const headers = sessionHeaders();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  if (response.status === 401) {
    signedOut('Økten er utløpt. Logg inn igjen.');
    throw new Error('signed out');
  }
  const json = await response.json().catch(() => null);
  return { status: response.status, headers: response.headers, json };
}

function messageOf(json, fallback) {
  const message = json && json.message;
  return Array.isArray(message) ? message.join('; ') : message || fallback;
}

async function start() {
  connection('connecting', 'Loading dispatches…');
  try {
    const { status, headers, json } = await api('GET', '/api/dispatches?limit=200');
    if (status !== 200) throw new Error(messageOf(json, `the service answered ${status}`));
    state.cursor = headers.get('Stream-Cursor');
    state.dispatches = new Map(json.map((dispatch) => [dispatch.id, dispatch]));
    render();
    follow();
  } catch {
    if (!state.signedIn) return;
    connection('offline', 'Could not load dispatches; trying again…');
    setTimeout(() => state.signedIn && void start(), nextRetry());
  }
}

function nextRetry() {
  const wait = state.retryMs;
  state.retryMs = Math.min(state.retryMs * 2, 30_000);
  return wait;
}

function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
}

/** Follows the live stream from state.cursor, and comes back after every loss. */
function follow() {
  stopStream();
  const controller = new AbortController();
  state.stream = controller;
  void (async () => {
    let silence;
    const watchdog = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), SILENCE_LIMIT_MS);
    };
    try {
      const headers = { ...sessionHeaders(), accept: 'text/event-stream' };
      if (state.cursor) headers['Last-Event-ID'] = state.cursor;
      const response = await fetch('/api/dispatches/stream', { headers, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401) return signedOut('Økten er utløpt. Logg inn igjen.');
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      connection('live', 'Live');
      state.retryMs = 1000;
      watchdog();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        watchdog();
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          handleEvent(parseEvent(block));
        }
      }
    } catch {
      // aborted, offline, or the service went away: come back below
    } finally {
      clearTimeout(silence);
    }
    if (state.stream !== controller || !state.signedIn) return;
    connection('connecting', 'Connection lost; reconnecting…');
    setTimeout(() => state.stream === controller && state.signedIn && follow(), nextRetry());
  })();
}

function parseEvent(block) {
  const event = { id: null, type: 'message', data: '' };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') event.id = value;
    else if (field === 'event') event.type = value;
    else if (field === 'data') event.data += (event.data ? '\n' : '') + value;
  }
  return event;
}

function handleEvent(event) {
  if (event.type === 'ready' || event.type === 'dispatch') {
    if (event.id) state.cursor = event.id;
  }
  if (event.type === 'shutdown') {
    stopStream();
    connection('connecting', 'The service is restarting; reconnecting…');
    setTimeout(() => state.signedIn && follow(), 500);
    return;
  }
  if (event.type !== 'dispatch') return;
  const { entry, dispatch } = JSON.parse(event.data);
  const known = state.dispatches.has(dispatch.id);
  state.dispatches.set(dispatch.id, dispatch);
  render();
  if (entry.step === 'requested' && dispatch.status === 'requested' && !known) {
    announce(
      `New dispatch, priority ${dispatch.priority}: ${triggerText(dispatch)} at ${dispatch.resident ? dispatch.resident.address : 'an unknown address'}.`,
    );
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
  } else if (entry.step === 'withdrawn') {
    announce(`Dispatch withdrawn by the response centre${dispatch.resident ? ` for ${dispatch.resident.name}` : ''}.`);
  } else if (entry.actorId !== state.me?.id && entry.step === 'accepted') {
    announce(
      `${entry.actorName || entry.actorId} accepted the dispatch${dispatch.resident ? ` for ${dispatch.resident.name}` : ''}.`,
    );
  }
}

/**
 * A step on a dispatch. A phone on a bad connection may never hear the answer: the request is
 * sent again (the service answers a repeat of your own step with the dispatch, not an error).
 */
async function act(id, path, body, label) {
  if (state.busy.has(id)) return;
  state.busy.add(id);
  state.notes.delete(id);
  render();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const { status, json } = await api('POST', `/api/dispatches/${id}/${path}`, body);
        if (status === 200) {
          state.dispatches.set(id, json);
          announce(`${label}: done.`);
        } else {
          state.notes.set(id, messageOf(json, `Not done (${status}).`));
          if (status === 409 || status === 404) await refresh(id);
        }
        return;
      } catch {
        if (!state.signedIn) return;
        if (attempt >= 4) {
          state.notes.set(id, 'No connection: not sent. Try again when you have signal.');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
  } finally {
    state.busy.delete(id);
    render();
    const note = document.querySelector(`[data-note-for="${id}"]`);
    if (note && !note.hidden) note.focus();
  }
}

async function refresh(id) {
  const { status, json } = await api('GET', `/api/dispatches/${id}`);
  if (status === 200) state.dispatches.set(id, json);
  if (status === 404) state.dispatches.delete(id);
}

// ---------------------------------------------------------------------------------------------
// Drawing the page (text only: no data is ever parsed as HTML)

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');
const triggerText = (dispatch) => TRIGGER_TEXT[dispatch.triggerType] || dispatch.triggerType;
const byName = (who) => (who ? who.name || who.id : 'someone');
const isMe = (who) => !!who && !!state.me && who.id === state.me.id;

function order(a, b) {
  const activeA = ACTIVE.has(a.status);
  const activeB = ACTIVE.has(b.status);
  if (activeA !== activeB) return activeA ? -1 : 1;
  if (activeA) return a.priority - b.priority || a.requestedAt.localeCompare(b.requestedAt);
  return b.updatedAt.localeCompare(a.updatedAt);
}

function render() {
  const all = [...state.dispatches.values()].sort(order);
  const active = all.filter((dispatch) => ACTIVE.has(dispatch.status));
  const finished = all.filter((dispatch) => !ACTIVE.has(dispatch.status));
  // Keep what the nurse is typing when the list redraws.
  const drafts = new Map(
    [...document.querySelectorAll('textarea[data-draft]')].map((field) => [field.dataset.draft, field.value]),
  );
  const focused = document.activeElement?.id;
  const caret =
    document.activeElement instanceof HTMLTextAreaElement
      ? [document.activeElement.selectionStart, document.activeElement.selectionEnd]
      : null;
  $('active').replaceChildren(...active.map((dispatch) => el('li', {}, card(dispatch, drafts))));
  $('finished').replaceChildren(...finished.map((dispatch) => el('li', {}, card(dispatch, drafts))));
  $('active-empty').hidden = active.length > 0;
  $('finished-empty').hidden = finished.length > 0;
  $('active-count').textContent = active.length ? `(${active.length})` : '';
  const again = focused ? $(focused) : null;
  if (again) {
    again.focus();
    if (caret && again instanceof HTMLTextAreaElement) again.setSelectionRange(caret[0], caret[1]);
  }
}

function card(d, drafts) {
  const titleId = `title-${d.id}`;
  const r = d.resident;
  return el(
    'article',
    { class: `card status-${d.status} priority-${d.priority}`, 'aria-labelledby': titleId },
    el(
      'header',
      {},
      el(
        'h3',
        { id: titleId },
        el('span', { class: 'priority' }, `Priority ${d.priority}`),
        ' ',
        triggerText(d),
        r ? ` — ${r.name}` : '',
      ),
      el('p', { class: 'status' }, statusLine(d)),
    ),
    r
      ? el(
          'div',
          { class: 'resident' },
          el('p', { class: 'address' }, r.address),
          facts([
            ['Key box', r.keyBox],
            ['Door code hint', r.doorCodeHint],
            ['Access', r.accessNote],
          ]),
          r.contacts.length
            ? el(
                'div',
                { class: 'contacts' },
                el('h4', {}, 'Contacts'),
                el(
                  'ul',
                  {},
                  r.contacts.map((c) =>
                    el(
                      'li',
                      {},
                      el(
                        'a',
                        { class: 'call', href: `tel:${c.phone.replace(/[^+0-9]/g, '')}` },
                        `Call ${c.name}${c.relation ? ` (${c.relation})` : ''}: ${c.phone}`,
                      ),
                    ),
                  ),
                ),
              )
            : null,
        )
      : el(
          'p',
          { class: 'resident unknown' },
          "The response centre did not have the resident's details. Call the centre.",
        ),
    d.instructions
      ? el('div', { class: 'instructions' }, el('h4', {}, 'Instructions'), el('p', {}, d.instructions))
      : null,
    d.report ? el('div', { class: 'instructions' }, el('h4', {}, 'Report'), el('p', {}, d.report)) : null,
    actions(d, drafts),
    note(d),
  );
}

function facts(rows) {
  const shown = rows.filter(([, value]) => value);
  if (!shown.length) return null;
  return el(
    'dl',
    { class: 'facts' },
    shown.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]),
  );
}

function statusLine(d) {
  switch (d.status) {
    case 'requested':
      return `${STATUS_TEXT.requested} (accept by ${time(d.acceptBy)})`;
    case 'accepted':
      return `Accepted by ${isMe(d.acceptedBy) ? 'you' : byName(d.acceptedBy)} at ${time(d.acceptedAt)}`;
    case 'en_route':
      return `En route: ${isMe(d.enRouteBy) ? 'you' : byName(d.enRouteBy)}, since ${time(d.enRouteAt)}`;
    case 'arrived':
      return `Arrived: ${isMe(d.arrivedBy) ? 'you' : byName(d.arrivedBy)}, at ${time(d.arrivedAt)}`;
    case 'completed':
      return `Completed by ${byName(d.completedBy)} at ${time(d.completedAt)}`;
    case 'declined':
      return `Declined by ${byName(d.declinedBy)}: ${d.declineReason}`;
    case 'withdrawn':
      return `Withdrawn by the response centre at ${time(d.withdrawnAt)}${d.withdrawalReason ? `: ${d.withdrawalReason}` : ''}. Do not go unless the centre asks again.`;
    default:
      return STATUS_TEXT[d.status] || d.status;
  }
}

function actions(d, drafts) {
  const busy = state.busy.has(d.id);
  const button = (text, onclick, kind, id) =>
    el('button', { type: 'button', id, class: kind, disabled: busy, onclick }, busy ? 'Sending…' : text);
  switch (d.status) {
    case 'requested':
      return el(
        'div',
        { class: 'actions' },
        button('Accept', () => act(d.id, 'accept', undefined, 'Accepted'), 'primary', `accept-${d.id}`),
        declineDisclosure(d, drafts),
      );
    case 'accepted':
      // Anyone of the team may go: the one who accepted, or a colleague who takes over.
      return el(
        'div',
        { class: 'actions' },
        button('On my way', () => act(d.id, 'en-route', undefined, 'En route'), 'primary', `en-route-${d.id}`),
      );
    case 'en_route':
      return el(
        'div',
        { class: 'actions' },
        button('I have arrived', () => act(d.id, 'arrived', undefined, 'Arrived'), 'primary', `arrived-${d.id}`),
      );
    case 'arrived':
      return el(
        'div',
        { class: 'actions' },
        reasonForm(
          d,
          'complete',
          'Complete visit',
          'Short report of the visit',
          'report',
          drafts,
          'Completed',
          'primary',
        ),
      );
    default:
      return null;
  }
}

/** Declining is the rarer answer and needs a reason: behind a disclosure, so Accept stays alone and easy to hit. */
function declineDisclosure(d, drafts) {
  const id = `decline-${d.id}`;
  const open = state.openDeclines.has(d.id) || !!drafts.get(id);
  const details = el(
    'details',
    { class: 'decline', open },
    el('summary', {}, 'Decline…'),
    reasonForm(d, 'decline', 'Decline dispatch', 'Why can the team not go?', 'reason', drafts, 'Declined', 'secondary'),
  );
  details.addEventListener('toggle', () =>
    details.open ? state.openDeclines.add(d.id) : state.openDeclines.delete(d.id),
  );
  return details;
}

/** Decline and complete need words: a labelled text field, sent with the button. */
function reasonForm(d, path, text, label, field, drafts, done, kind) {
  const id = `${path}-${d.id}`;
  const busy = state.busy.has(d.id);
  const area = el('textarea', {
    id,
    name: field,
    rows: 3,
    required: true,
    maxlength: field === 'report' ? 4000 : 2000,
    'data-draft': id,
  });
  area.value = drafts.get(id) || '';
  return el(
    'form',
    {
      class: `reason ${kind}`,
      onsubmit: (event) => {
        event.preventDefault();
        const value = area.value.trim();
        if (!value) {
          state.notes.set(d.id, `${label}: please write something first.`);
          render();
          return;
        }
        void act(d.id, path, { [field]: value }, done);
      },
    },
    el('label', { for: id }, label),
    area,
    el('button', { type: 'submit', id: `${id}-send`, class: kind, disabled: busy }, busy ? 'Sending…' : text),
  );
}

function note(d) {
  const text = state.notes.get(d.id);
  return el('p', { class: 'note', role: 'alert', tabindex: '-1', 'data-note-for': d.id, hidden: !text }, text || '');
}

function connection(kind, text) {
  const node = $('connection');
  node.dataset.state = kind;
  node.textContent = text;
}

function announce(text) {
  const region = $('announce');
  region.textContent = '';
  // A fresh node makes screen readers speak the same sentence twice in a row too.
  setTimeout(() => (region.textContent = text), 50);
}

function problem(text) {
  $('problem').hidden = !text;
  $('problem').textContent = text || '';
}

// ---------------------------------------------------------------------------------------------

$('sign-in-button').addEventListener('click', goSignIn);
$('sign-out').addEventListener('click', () => void endSession());
// A phone that slept may hold a dead connection: look again when the page is shown.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state.signedIn) void start();
});
window.addEventListener('online', () => state.signedIn && void start());

currentSession()
  .then((session) => (session ? signedIn(session) : signedOut()))
  .catch((error) => signedOut(`Innloggingen kunne ikke sjekkes: ${error.message}`));
