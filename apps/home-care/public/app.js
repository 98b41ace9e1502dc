// The nurses' phone page: the team's dispatches, live. Plain ES module, no build step.
// Flow: sign in at the organisation's provider (/auth/session.js: the page holds no token, the
// browser sends the session cookie, the shared client adds the CSRF header), GET /api/dispatches (its Stream-Cursor
// header says where the list stands), then follow GET /api/dispatches/stream from there through
// the shared client (live-client.js: headers, reconnect with Last-Event-ID, silence watchdog).
// Texts come from messages.<language>.json and the shared vocabulary (i18n.js); times are Oslo's.
// The last list is kept on the phone so the installed app shows it offline (sw.js serves the shell).

import { configureClient, followStream, messageOf, request } from './live-client.js';
import { createI18n, wireLanguagePicker } from './i18n.js';
import { pushAvailable, pushState, rememberNotificationText, subscribeToPush, unsubscribeFromPush } from './push.js';
import { sessionHeaders, signIn as goSignIn, signOut as endSession, startSession } from '/auth/session.js';

/** What was typed when the session ended, put back after signing in again (session.js's sign-out clears it). */
const DRAFTS_KEY = 'welfare.draft./.dispatches';
/** The last list seen, for the offline shell; removed at sign-out. */
const LAST_LIST_KEY = 'home-care-last-dispatches';
const ACTIVE = new Set(['requested', 'accepted', 'en_route', 'arrived']);

const $ = (id) => document.getElementById(id);
const i18n = createI18n((language) => `/messages.${language}.json`);
const state = {
  signedIn: false,
  me: null,
  /** Drafts kept over a sign-in (an expired session), until the list they belong to is shown. */
  keptDrafts: new Map(JSON.parse(sessionStorage.getItem(DRAFTS_KEY) ?? '[]')),
  dispatches: new Map(),
  stream: null,
  retryMs: 1000,
  busy: new Set(),
  notes: new Map(),
  openDeclines: new Set(),
  /** A dispatch a tapped notification asked for: shown and focused once it is in the list. */
  wanted: new URLSearchParams(location.search).get('dispatch'),
};

configureClient({
  extraHeaders: () => sessionHeaders(),
  unauthorized: () => sessionEnded(i18n.t('signIn.expired')),
});

// ---------------------------------------------------------------------------------------------
// Sign-in

function signedIn({ actor }) {
  state.signedIn = true;
  state.me = { id: actor.subject, name: actor.name, team: actor.homeCareTeamId ?? null };
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  showWho();
  $('dispatches').hidden = false;
  problem(null);
  void start();
  void showPushChoice();
}

function showWho() {
  if (!state.me) return;
  $('who').textContent = state.me.team
    ? i18n.t('signIn.signedInAsTeam', { name: state.me.name, team: state.me.team.slice(0, 8) })
    : i18n.t('signIn.signedInAs', { name: state.me.name });
}

/**
 * The nurse signs out: this phone stops getting pushes (home care is told while the session still
 * lets it), the last list kept for the offline shell goes, then the session ends here and at the provider.
 */
async function signOut() {
  stopStream();
  localStorage.removeItem(LAST_LIST_KEY);
  await unsubscribeFromPush(request).catch(() => {});
  await endSession();
}

/**
 * No session (never signed in, or it expired): ask for sign-in. The push subscription stays (a
 * nurse whose session ran out must still be alerted), and so does what she typed.
 */
function sessionEnded(message) {
  if (state.signedIn) keepDrafts();
  stopStream();
  state.signedIn = false;
  state.me = null;
  state.dispatches.clear();
  $('sign-in').hidden = false;
  $('signed-in').hidden = true;
  $('dispatches').hidden = true;
  $('push').hidden = true;
  render();
  connection('offline', i18n.t('connection.notSignedIn'));
  problem(message ?? null);
  $('sign-in-button').focus();
}

function keepDrafts() {
  const typed = [...document.querySelectorAll('textarea[data-draft]')]
    .filter((field) => field.value.trim())
    .map((field) => [field.dataset.draft, field.value]);
  if (typed.length) sessionStorage.setItem(DRAFTS_KEY, JSON.stringify(typed));
}

// ---------------------------------------------------------------------------------------------
// Talking to the service

async function start() {
  connection('connecting', i18n.t('connection.loading'));
  try {
    const { status, headers, json } = await request('GET', '/api/dispatches?limit=200');
    if (status !== 200) throw new Error(messageOf(json) ?? `HTTP ${status}`);
    state.dispatches = new Map(json.map((dispatch) => [dispatch.id, dispatch]));
    state.retryMs = 1000;
    remember();
    render();
    follow(headers.get('Stream-Cursor'));
  } catch {
    if (!state.signedIn) return;
    if (!showRemembered()) connection('offline', i18n.t('connection.loadFailed'));
    setTimeout(() => state.signedIn && void start(), nextRetry());
  }
}

function nextRetry() {
  const wait = state.retryMs;
  state.retryMs = Math.min(state.retryMs * 2, 30_000);
  return wait;
}

function stopStream() {
  state.stream?.stop();
  state.stream = null;
}

/** Follows the live stream from the list's cursor; the shared client comes back after every loss. */
function follow(cursor) {
  stopStream();
  state.stream = followStream('/api/dispatches/stream', {
    cursor,
    onOpen: () => connection('live', i18n.t('connection.live')),
    onEvent: handleEvent,
    onLost: (reason) => connection('connecting', i18n.t('connection.lost', { reason })),
    onCursorRefused: () => void start(),
  });
}

function handleEvent(event) {
  if (event.type !== 'dispatch') return;
  const { entry, dispatch } = JSON.parse(event.data);
  const known = state.dispatches.has(dispatch.id);
  state.dispatches.set(dispatch.id, dispatch);
  remember();
  render();
  const name = dispatch.resident?.name;
  if (entry.step === 'requested' && dispatch.status === 'requested' && !known) {
    announce(
      i18n.t('announce.new', {
        priority: dispatch.priority,
        trigger: i18n.trigger(dispatch.triggerType),
        address: dispatch.resident ? dispatch.resident.address : i18n.t('announce.unknownAddress'),
      }),
    );
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
  } else if (entry.step === 'withdrawn') {
    announce(name ? i18n.t('announce.withdrawnFor', { name }) : i18n.t('announce.withdrawn'));
  } else if (entry.actorId !== state.me?.id && entry.step === 'accepted') {
    const who = entry.actorName || entry.actorId;
    announce(name ? i18n.t('announce.acceptedFor', { who, name }) : i18n.t('announce.accepted', { who }));
  }
}

/**
 * A step on a dispatch. A phone on a bad connection may never hear the answer: the request is
 * sent again (the service answers a repeat of your own step with the dispatch, not an error).
 */
async function act(id, path, body, doneKey) {
  if (state.busy.has(id)) return;
  state.busy.add(id);
  state.notes.delete(id);
  render();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const { status, json } = await request('POST', `/api/dispatches/${id}/${path}`, body);
        if (status === 200) {
          state.dispatches.set(id, json);
          remember();
          announce(i18n.t(doneKey));
        } else {
          state.notes.set(id, messageOf(json) ?? i18n.t('action.notDone', { status }));
          if (status === 409 || status === 404) await refresh(id);
        }
        return;
      } catch {
        if (!state.signedIn) return;
        if (attempt >= 4) {
          state.notes.set(id, i18n.t('action.noConnection'));
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
  const { status, json } = await request('GET', `/api/dispatches/${id}`);
  if (status === 200) state.dispatches.set(id, json);
  if (status === 404) state.dispatches.delete(id);
}

// ---------------------------------------------------------------------------------------------
// The last known list, for the offline shell

function remember() {
  const list = [...state.dispatches.values()];
  localStorage.setItem(LAST_LIST_KEY, JSON.stringify({ savedAt: new Date().toISOString(), list }));
}

/** Offline (or the service away): show the last list seen, and say how old it is. */
function showRemembered() {
  try {
    const saved = JSON.parse(localStorage.getItem(LAST_LIST_KEY) ?? 'null');
    if (!saved || state.dispatches.size > 0) return false;
    state.dispatches = new Map(saved.list.map((dispatch) => [dispatch.id, dispatch]));
    render();
    connection('offline', i18n.t('connection.offline', { time: i18n.time(saved.savedAt) }));
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Notifications (Web Push): offered once signed in, when the service has push switched on

async function showPushChoice() {
  const box = $('push');
  const available = await pushAvailable(request);
  if (!state.signedIn || !available) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const current = await pushState();
  // The service worker shows the notification in the language the nurse chose last.
  if (current === 'on') await rememberNotificationText(i18n);
  renderPush(current);
}

function renderPush(current) {
  $('push-text').textContent = current === 'denied' ? i18n.t('push.denied') : current === 'on' ? i18n.t('push.on') : '';
  $('push-text').hidden = current === 'off';
  $('push-on').hidden = current !== 'off';
  $('push-off').hidden = current !== 'on';
  $('push').dataset.state = current;
}

async function turnPushOn() {
  try {
    renderPush(await subscribeToPush(request, i18n));
  } catch (error) {
    problem(error.message);
  }
}

async function turnPushOff() {
  await unsubscribeFromPush(request).catch((error) => problem(error.message));
  renderPush(await pushState());
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

const byName = (who) => (who ? who.name || who.id : i18n.t('who.someone'));
const isMe = (who) => !!who && !!state.me && who.id === state.me.id;
const whoText = (who) => (isMe(who) ? i18n.t('who.you') : byName(who));

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
  // Keep what the nurse is typing when the list redraws (and what she typed before signing in again).
  const drafts = new Map([
    ...state.keptDrafts,
    ...[...document.querySelectorAll('textarea[data-draft]')].map((field) => [field.dataset.draft, field.value]),
  ]);
  if (state.signedIn && all.length && state.keptDrafts.size) {
    state.keptDrafts.clear();
    sessionStorage.removeItem(DRAFTS_KEY);
  }
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
  showWanted();
}

/** The dispatch a tapped notification opened: scrolled to and focused once, when it is there. */
function showWanted() {
  if (!state.wanted) return;
  const card = document.getElementById(`dispatch-${state.wanted}`);
  if (!card) return;
  state.wanted = null;
  history.replaceState(null, '', '/');
  card.scrollIntoView({ block: 'start' });
  card.focus();
}

function card(d, drafts) {
  const titleId = `title-${d.id}`;
  const r = d.resident;
  return el(
    'article',
    {
      id: `dispatch-${d.id}`,
      tabindex: '-1',
      class: `card status-${d.status} priority-${d.priority}`,
      'aria-labelledby': titleId,
    },
    el(
      'header',
      {},
      el(
        'h3',
        { id: titleId },
        el('span', { class: 'priority' }, i18n.t('card.priority', { priority: d.priority })),
        ' ',
        i18n.trigger(d.triggerType),
        r ? ` — ${r.name}` : '',
      ),
      el('p', { class: 'status' }, statusLine(d)),
    ),
    r ? resident(r) : el('p', { class: 'resident unknown' }, i18n.t('card.unknownResident')),
    d.instructions
      ? el('div', { class: 'instructions' }, el('h4', {}, i18n.t('card.instructions')), el('p', {}, d.instructions))
      : null,
    d.report ? el('div', { class: 'instructions' }, el('h4', {}, i18n.t('card.report')), el('p', {}, d.report)) : null,
    actions(d, drafts),
    note(d),
  );
}

function resident(r) {
  return el(
    'div',
    { class: 'resident' },
    el('p', { class: 'address' }, r.address),
    facts([
      [i18n.t('card.keyBox'), r.keyBox],
      [i18n.t('card.doorCodeHint'), r.doorCodeHint],
      [i18n.t('card.access'), r.accessNote],
    ]),
    r.contacts.length
      ? el(
          'div',
          { class: 'contacts' },
          el('h4', {}, i18n.t('card.contacts')),
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
                  c.relation
                    ? i18n.t('card.callWithRelation', { name: c.name, relation: c.relation, phone: c.phone })
                    : i18n.t('card.call', { name: c.name, phone: c.phone }),
                ),
              ),
            ),
          ),
        )
      : null,
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
  const line = (status, params) => i18n.t(`status.${status}`, params);
  switch (d.status) {
    case 'requested':
      return line('requested', { time: i18n.time(d.acceptBy) });
    case 'accepted':
      return line('accepted', { who: whoText(d.acceptedBy), time: i18n.time(d.acceptedAt) });
    case 'en_route':
      return line('en_route', { who: whoText(d.enRouteBy), time: i18n.time(d.enRouteAt) });
    case 'arrived':
      return line('arrived', { who: whoText(d.arrivedBy), time: i18n.time(d.arrivedAt) });
    case 'completed':
      return line('completed', { who: byName(d.completedBy), time: i18n.time(d.completedAt) });
    case 'declined':
      return line('declined', { who: byName(d.declinedBy), reason: d.declineReason });
    case 'withdrawn':
      return line('withdrawn', {
        time: i18n.time(d.withdrawnAt),
        reason: d.withdrawalReason ? `: ${d.withdrawalReason}` : '',
      });
    default:
      return i18n.dispatchStatus(d.status);
  }
}

function actions(d, drafts) {
  const busy = state.busy.has(d.id);
  const button = (text, onclick, kind, id) =>
    el('button', { type: 'button', id, class: kind, disabled: busy, onclick }, busy ? i18n.t('action.sending') : text);
  const row = (...children) => el('div', { class: 'actions' }, ...children);
  switch (d.status) {
    case 'requested':
      return row(
        button(
          i18n.t('action.accept'),
          () => act(d.id, 'accept', undefined, 'done.accepted'),
          'primary',
          `accept-${d.id}`,
        ),
        declineDisclosure(d, drafts),
      );
    case 'accepted':
      // Anyone of the team may go: the one who accepted, or a colleague who takes over.
      return row(
        button(
          i18n.t('action.enRoute'),
          () => act(d.id, 'en-route', undefined, 'done.enRoute'),
          'primary',
          `en-route-${d.id}`,
        ),
      );
    case 'en_route':
      return row(
        button(
          i18n.t('action.arrived'),
          () => act(d.id, 'arrived', undefined, 'done.arrived'),
          'primary',
          `arrived-${d.id}`,
        ),
      );
    case 'arrived':
      return row(
        reasonForm(d, {
          path: 'complete',
          text: i18n.t('action.complete'),
          label: i18n.t('action.completeLabel'),
          field: 'report',
          done: 'done.completed',
          kind: 'primary',
          drafts,
        }),
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
    el('summary', {}, i18n.t('action.decline')),
    reasonForm(d, {
      path: 'decline',
      text: i18n.t('action.declineSend'),
      label: i18n.t('action.declineLabel'),
      field: 'reason',
      done: 'done.declined',
      kind: 'secondary',
      drafts,
    }),
  );
  details.addEventListener('toggle', () =>
    details.open ? state.openDeclines.add(d.id) : state.openDeclines.delete(d.id),
  );
  return details;
}

/** Decline and complete need words: a labelled text field, sent with the button. */
function reasonForm(d, { path, text, label, field, done, kind, drafts }) {
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
          state.notes.set(d.id, i18n.t('action.writeFirst', { label }));
          render();
          return;
        }
        void act(d.id, path, { [field]: value }, done);
      },
    },
    el('label', { for: id }, label),
    area,
    el(
      'button',
      { type: 'submit', id: `${id}-send`, class: kind, disabled: busy },
      busy ? i18n.t('action.sending') : text,
    ),
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

await i18n.use(i18n.language);
wireLanguagePicker($('language'), i18n, () => {
  showWho();
  render();
  if (!state.signedIn) connection('offline', i18n.t('connection.notSignedIn'));
  else if (state.stream) connection('live', i18n.t('connection.live'));
  if (state.signedIn) void showPushChoice();
});
$('sign-in-button').addEventListener('click', goSignIn);
$('sign-out').addEventListener('click', () => void signOut());
$('push-on').addEventListener('click', () => void turnPushOn());
$('push-off').addEventListener('click', () => void turnPushOff());
// A phone that slept may hold a dead connection: look again when the page is shown.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state.signedIn) void start();
});
window.addEventListener('online', () => state.signedIn && void start());
// A tapped notification while the page is open: the service worker says which dispatch.
navigator.serviceWorker?.addEventListener('message', (event) => {
  if (event.data?.type !== 'open-dispatch') return;
  state.wanted = event.data.dispatchId;
  if (state.signedIn) void refresh(state.wanted).then(render);
});
if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});

await startSession({
  signedIn,
  signedOut: () => sessionEnded(),
  // No answer (offline, the service away): the installed app shows the last list it knew.
  checkFailed: (error) => {
    sessionEnded();
    if (showRemembered()) $('dispatches').hidden = false;
    else problem(i18n.t('signIn.checkFailed', { message: error.message }));
  },
});
