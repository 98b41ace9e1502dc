// Operator console: the live queue of the operator's centre, one alarm's detail, and the actions.
// Plain ES module, no build step. Signing in is the server's (/auth/session.js): the page holds
// no token, the browser sends the session cookie and each change carries the CSRF header.

import {
  currentSession,
  keepDrafts,
  sessionHeaders,
  signIn as goSignIn,
  signOut as endSession,
} from '/auth/session.js';

/** The alarm open when the session ended, opened again after signing in. */
const OPEN_ALARM_KEY = 'welfare.console.open-alarm';
const RECONNECT_DELAYS_MS = [1000, 2000, 5000, 10000];

const TRIGGERS = {
  'alarm.button': 'Safety alarm button',
  'fall.detected': 'Fall detected',
  'door.opened': 'Door opened at night',
  'door.left_open': 'Door left open',
  'gps.left_safe_zone': 'Left the safe zones',
  'battery.low': 'Battery low',
  'power.lost': 'Power lost',
  'device.silent': 'Device silent',
  'system.fleet_silent': 'Many devices silent',
};

const STEPS = {
  received: 'Alarm received',
  repeated: 'Repeated',
  cancelled_at_device: 'Cancelled at the device',
  escalated: 'Escalated',
  acknowledged: 'Taken',
  note: 'Note',
  cleared_by_device: 'Cleared by the device',
  door_closed: 'Door closed',
  returned_to_safe_zone: 'Back in a safe zone',
  resolved: 'Resolved',
  dispatched: 'Home care dispatched',
  dispatch_withdrawn: 'Dispatch withdrawn',
  dispatch_accepted: 'Dispatch accepted',
  dispatch_declined: 'Dispatch declined',
  dispatch_en_route: 'Nurse on the way',
  dispatch_arrived: 'Nurse arrived',
  dispatch_completed: 'Visit completed',
  dispatch_expired: 'Dispatch expired (nobody accepted)',
  dispatch_unanswered: 'Home care did not answer',
};

const DISPATCH_STATUS = {
  requested: 'waiting for a team to accept',
  accepted: 'accepted',
  en_route: 'nurse on the way',
  arrived: 'nurse arrived',
  completed: 'visit completed',
  declined: 'declined',
  expired: 'expired, nobody accepted',
  unanswered: 'home care did not answer',
  withdrawn: 'withdrawn',
};
const ACTIVE_DISPATCH = new Set(['requested', 'accepted', 'en_route', 'arrived']);

const $ = (id) => document.getElementById(id);

const state = {
  signedIn: false,
  /** Alarm summaries by id, each with the moment (performance.now) its ageSeconds was true. */
  alarms: new Map(),
  selectedId: null,
  detail: null,
  /** The last stream event id: a reconnect resumes after it. */
  cursor: null,
  queueLoaded: false,
  live: false,
  stream: null,
  reconnectAttempt: 0,
};

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = sessionHeaders();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    sessionExpired();
    throw new ApiError(401, 'Økten er utløpt. Logg inn igjen; det du har skrevet, blir tatt vare på.');
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, messageOf(json) ?? `${response.status} ${response.statusText}`);
  return json;
}

function messageOf(json) {
  const message = json?.message;
  return Array.isArray(message) ? message.join('; ') : message;
}

// ---------------------------------------------------------------------------------------------
// The live stream (Server-Sent Events read with fetch)

function connect() {
  state.stream?.abort();
  const controller = new AbortController();
  state.stream = controller;
  state.live = false;
  const headers = sessionHeaders();
  if (state.cursor) headers['last-event-id'] = state.cursor;
  setConnection(state.cursor ? 'Reconnecting and catching up…' : 'Connecting…', '');
  fetch('/api/alarms/stream', { headers, signal: controller.signal, cache: 'no-store' })
    .then((response) => readStream(response, controller))
    .catch((error) => {
      if (controller.signal.aborted) return;
      streamLost(error.message);
    });
}

async function readStream(response, controller) {
  if (response.status === 401) return sessionExpired();
  if (response.status === 403) {
    const json = await response.json().catch(() => null);
    showError(`The live queue refused the token: ${messageOf(json) ?? response.status}`);
    setConnection('Not connected: the token was refused.', 'down');
    return;
  }
  if (response.status === 400) {
    // A cursor the server does not accept (another database?): start afresh and reload the queue.
    Object.assign(state, { cursor: null, queueLoaded: false, alarms: new Map() });
    return streamLost('the saved position was refused; reloading the queue');
  }
  if (!response.ok || !response.body) return streamLost(`status ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      handleEvent(parseEvent(buffer.slice(0, end)));
      buffer = buffer.slice(end + 2);
    }
  }
  if (!controller.signal.aborted) streamLost('the server closed the stream');
}

/** One SSE block: `event:`, `id:` and `data:` lines; comment lines (heartbeats) start with ":". */
function parseEvent(block) {
  const event = { type: 'message', id: null, data: '' };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.type = value;
    else if (field === 'id') event.id = value;
    else if (field === 'data') event.data += event.data ? `\n${value}` : value;
  }
  return event;
}

function handleEvent(event) {
  if (event.id) state.cursor = event.id;
  if (event.type === 'ready') return streamReady();
  if (event.type === 'step' && event.data) applyStep(JSON.parse(event.data));
}

/** Caught up: the first time, load the queue (everything before the stream's start is in it). */
async function streamReady() {
  state.live = true;
  state.reconnectAttempt = 0;
  setConnection('Live.', 'live');
  if (state.queueLoaded) return;
  try {
    const queue = await api('GET', '/api/alarms?limit=500');
    for (const summary of queue) putSummary(summary);
    state.queueLoaded = true;
    renderQueue();
  } catch (error) {
    showError(`The queue could not be loaded: ${error.message}`);
  }
}

function streamLost(reason) {
  const delay = RECONNECT_DELAYS_MS[Math.min(state.reconnectAttempt, RECONNECT_DELAYS_MS.length - 1)];
  state.reconnectAttempt++;
  state.live = false;
  setConnection(
    `Connection lost (${reason}); reconnecting in ${delay / 1000} s. Nothing is missed: the stream resumes where it stopped.`,
    'down',
  );
  setTimeout(() => {
    if (state.signedIn) connect();
  }, delay);
}

// ---------------------------------------------------------------------------------------------
// Applying steps to the queue and the open detail

function applyStep(step) {
  const known = state.alarms.has(step.alarmId);
  if (step.alarm) putSummary(step.alarm);
  if (state.live) announce(step, known);
  renderQueue();
  if (step.alarmId === state.selectedId) stepOnSelected(step);
}

/** A newer summary replaces an older one (a queue load and the stream may cross); resolved ones leave the queue. */
function putSummary(summary) {
  const existing = state.alarms.get(summary.id);
  if (existing && existing.updatedAt > summary.updatedAt) return;
  if (summary.state === 'resolved') {
    state.alarms.delete(summary.id);
    return;
  }
  state.alarms.set(summary.id, { ...summary, seenAt: performance.now() });
}

function announce(step, known) {
  const alarm = step.alarm;
  if (!alarm) return;
  const what = `priority ${alarm.priority}, ${TRIGGERS[alarm.triggerType] ?? alarm.triggerType}`;
  if (step.step === 'received' && !known) say('announcer', `New alarm: ${what}.`);
  else if (step.step === 'escalated') say('announcer', `Alarm escalated to level ${alarm.escalationLevel}: ${what}.`);
  else if (step.step === 'dispatch_declined' || step.step === 'dispatch_expired' || step.step === 'dispatch_unanswered')
    say('announcer', `${STEPS[step.step]}: ${what}.`);
}

function say(regionId, text) {
  const region = $(regionId);
  region.textContent = '';
  // A changed text node is announced; setting the same text twice in a row would not be.
  setTimeout(() => (region.textContent = text), 50);
}

let detailRefresh = null;

/** The open alarm changed: its log grows at once; dispatch steps reload the detail (its dispatches). */
function stepOnSelected(step) {
  if (!state.detail) return;
  const id = step.cursor.split('.')[1];
  if (!state.detail.log.some((entry) => entry.id === id)) {
    state.detail.log.push({
      id,
      step: step.step,
      at: step.at,
      actorKind: step.actor.kind,
      actorId: step.actor.id,
      details: step.details,
    });
  }
  if (step.alarm) Object.assign(state.detail, step.alarm);
  renderDetail();
  if (step.step.startsWith('dispatch')) {
    clearTimeout(detailRefresh);
    detailRefresh = setTimeout(() => void openAlarm(state.selectedId, { keepFocus: true }), 300);
  }
}

// ---------------------------------------------------------------------------------------------
// The queue

function sortedAlarms() {
  return [...state.alarms.values()].sort(
    (a, b) =>
      a.priority - b.priority ||
      b.escalationLevel - a.escalationLevel ||
      a.openedAt.localeCompare(b.openedAt) ||
      a.id.localeCompare(b.id),
  );
}

function renderQueue() {
  const list = $('queue');
  const hadFocus = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  const alarms = sortedAlarms();
  list.replaceChildren(...alarms.map(queueItem));
  $('queue-count').textContent = `(${alarms.length})`;
  $('queue-empty').hidden = alarms.length > 0;
  if (hadFocus) list.querySelector(`button[data-id="${hadFocus}"]`)?.focus();
}

function queueItem(alarm) {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.id = alarm.id;
  button.className = `p${alarm.priority}${alarm.escalationLevel > 0 ? ' escalated' : ''}`;
  button.setAttribute('aria-current', String(alarm.id === state.selectedId));
  button.append(
    span(`badge p${alarm.priority}`, `P${alarm.priority}`),
    span('what', TRIGGERS[alarm.triggerType] ?? alarm.triggerType),
    span('age', formatAge(ageOf(alarm))),
    span('sub', queueLine(alarm)),
  );
  if (alarm.escalationLevel > 0) button.append(span('flag', `Escalated ×${alarm.escalationLevel}`));
  button.addEventListener('click', () => void openAlarm(alarm.id));
  button.addEventListener('keydown', moveInQueue);
  item.append(button);
  return item;
}

function queueLine(alarm) {
  const parts = [alarm.state === 'open' ? 'Not taken' : `Taken by ${alarm.acknowledgedBy}`];
  if (alarm.dispatch) parts.push(`Home care: ${DISPATCH_STATUS[alarm.dispatch.status] ?? alarm.dispatch.status}`);
  if (alarm.repeatCount > 0) parts.push(`repeated ${alarm.repeatCount}×`);
  if (alarm.cancelledAtDeviceAt) parts.push('cancelled at the device');
  parts.push(`device ${alarm.deviceId}`);
  return parts.join(' · ');
}

function moveInQueue(event) {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  event.preventDefault();
  const buttons = [...$('queue').querySelectorAll('button')];
  const next = buttons[buttons.indexOf(event.currentTarget) + (event.key === 'ArrowDown' ? 1 : -1)];
  next?.focus();
}

/** Seconds since the alarm opened, counted on from the server's own figure (no clock skew). */
function ageOf(alarm) {
  return alarm.ageSeconds + Math.floor((performance.now() - alarm.seenAt) / 1000);
}

function formatAge(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** Ages tick in place, without rebuilding the list (which would disturb focus and screen readers). */
function tickAges() {
  for (const button of $('queue').querySelectorAll('button')) {
    const alarm = state.alarms.get(button.dataset.id);
    if (alarm) button.querySelector('.age').textContent = formatAge(ageOf(alarm));
  }
  const age = document.querySelector('[data-fact="age"]');
  const selected = state.alarms.get(state.selectedId);
  if (age && selected) age.textContent = formatAge(ageOf(selected));
}

// ---------------------------------------------------------------------------------------------
// The detail

async function openAlarm(id, { keepFocus = false } = {}) {
  try {
    const detail = await api('GET', `/api/alarms/${id}`);
    state.selectedId = id;
    state.detail = detail;
    renderQueue();
    renderDetail();
    if (!keepFocus) $('detail-heading').focus();
    void loadEvents(detail.deviceId);
  } catch (error) {
    showError(`The alarm could not be opened: ${error.message}`);
  }
}

async function loadEvents(deviceId) {
  const body = $('events');
  try {
    const events = await api('GET', `/api/devices/${encodeURIComponent(deviceId)}/events?limit=10`);
    body.replaceChildren(...events.map((event) => row([formatTime(event.receivedAt), event.type, event.eventId])));
  } catch (error) {
    body.replaceChildren(row([`Not available: ${error.message}`, '', '']));
  }
}

function renderDetail() {
  const detail = state.detail;
  $('detail-empty').hidden = Boolean(detail);
  $('detail').hidden = !detail;
  if (!detail) return;
  $('detail-heading').textContent =
    `P${detail.priority} · ${TRIGGERS[detail.triggerType] ?? detail.triggerType} · ${detail.state}`;
  renderFacts(detail);
  renderActions(detail);
  renderResident(detail.resident, detail.residentId);
  $('dispatches').replaceChildren(
    ...(detail.dispatches.length ? detail.dispatches.map(dispatchItem) : [textItem('None.')]),
  );
  $('log').replaceChildren(
    ...detail.log.map((entry) =>
      row([
        formatTime(entry.at),
        STEPS[entry.step] ?? entry.step,
        `${entry.actorKind} ${entry.actorId}`,
        describe(entry.details),
      ]),
    ),
  );
}

function renderFacts(detail) {
  const facts = [
    ['State', detail.state === 'open' ? 'Not taken' : detail.state],
    ['Age', formatAge(ageOf(state.alarms.get(detail.id) ?? { ...detail, seenAt: performance.now() })), 'age'],
    ['Opened', formatTime(detail.openedAt)],
    ['Taken by', detail.acknowledgedBy ?? '—'],
    ['Escalation level', String(detail.escalationLevel)],
    ['Device', detail.deviceId],
    ['Repeats', String(detail.repeatCount)],
    ['Cancelled at the device', detail.cancelledAtDeviceAt ? formatTime(detail.cancelledAtDeviceAt) : 'no'],
  ];
  if (detail.lastPosition) facts.push(['Last position', positionText(detail.lastPosition)]);
  if (detail.outcome) facts.push(['Outcome', detail.outcome]);
  $('facts').replaceChildren(
    ...facts.flatMap(([term, value, key]) => [element('dt', term), element('dd', value, key)]),
  );
}

/** Forms are shown or hidden, never rebuilt: what an operator is typing survives a live update. */
function renderActions(detail) {
  const active = detail.dispatches.find((dispatch) => ACTIVE_DISPATCH.has(dispatch.status));
  $('acknowledge').hidden = detail.state !== 'open';
  $('dispatch-form').hidden = detail.state !== 'acknowledged' || Boolean(active);
  $('withdraw-form').hidden = !active;
  $('resolve-form').hidden = detail.state !== 'acknowledged';
  $('resolve-blocked').hidden = !active;
  if (active) $('withdraw-what').textContent = `${active.homeCareTeamName}: ${DISPATCH_STATUS[active.status]}.`;
  fillTeams(detail.homeCareTeams);
}

function fillTeams(teams) {
  const select = $('dispatch-team');
  const chosen = select.value;
  select.replaceChildren(...teams.map((team) => option(team.id, team.name)));
  if (teams.some((team) => team.id === chosen)) select.value = chosen;
  $('dispatch-no-teams').hidden = teams.length > 0;
}

function renderResident(resident, residentId) {
  const box = $('resident');
  if (!resident) {
    box.replaceChildren(
      element(
        'p',
        residentId
          ? `No registry details on this resident here yet (resident ${residentId}).`
          : 'The registry did not know this device: no resident.',
      ),
    );
    return;
  }
  const facts = element('dl');
  facts.className = 'facts';
  for (const [term, value] of [
    ['Name', resident.name],
    ['Address', resident.address],
    ['Key box', resident.keyBox],
    ['Door code hint', resident.doorCodeHint],
    ['Access note', resident.accessNote],
    ['Care note', resident.careNote],
  ]) {
    if (value) facts.append(element('dt', term), element('dd', value));
  }
  const contacts = element('ul');
  contacts.className = 'contacts';
  for (const contact of resident.contacts) {
    const link = element('a', contact.phone);
    link.href = `tel:${contact.phone.replace(/\s+/g, '')}`;
    const item = element('li', `${contact.name}${contact.relation ? ` (${contact.relation})` : ''}: `);
    item.append(link);
    contacts.append(item);
  }
  box.replaceChildren(facts, element('h4', 'Contacts'), resident.contacts.length ? contacts : element('p', 'None.'));
}

/** Where the resident's tracker last was, how exact, and how old that is. */
function positionText(position) {
  const accuracy = position.accuracyMeters === null ? '' : ` ±${Math.round(position.accuracyMeters)} m`;
  const zone =
    position.insideSafeZone === false ? ', outside the safe zones' : position.insideSafeZone ? ', in a safe zone' : '';
  return `${position.lat.toFixed(5)}, ${position.lon.toFixed(5)}${accuracy}, ${formatAge(position.ageSeconds)} ago${zone}`;
}

function dispatchItem(dispatch) {
  const who = dispatch.acceptedBy ? `, accepted by ${dispatch.acceptedBy.name ?? dispatch.acceptedBy.id}` : '';
  const until = dispatch.status === 'requested' ? `, accept by ${formatTime(dispatch.acceptBy)}` : '';
  return textItem(
    `${formatTime(dispatch.requestedAt)} ${dispatch.homeCareTeamName}: ${DISPATCH_STATUS[dispatch.status] ?? dispatch.status}${until}${who}. “${dispatch.instructions}”`,
  );
}

function describe(details) {
  return Object.entries(details ?? {})
    .filter(([key]) => !['dispatchId', 'homeCareTeamId', 'updateId', 'eventId'].includes(key))
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// Actions

function wireActions() {
  $('acknowledge').addEventListener(
    'click',
    (event) => void act(event.currentTarget, 'POST', 'acknowledge', undefined, 'You have taken the alarm.'),
  );
  onSubmit('note-form', (form) => act(form, 'POST', 'notes', { text: form.elements.text.value }, 'Note added.'));
  onSubmit('dispatch-form', (form) => {
    const seconds = form.elements.acceptWithinSeconds.value;
    const body = {
      homeCareTeamId: form.elements.homeCareTeamId.value,
      instructions: form.elements.instructions.value,
      ...(seconds ? { acceptWithinSeconds: Number(seconds) } : {}),
    };
    return act(form, 'POST', 'dispatches', body, 'Home care dispatched.');
  });
  onSubmit('withdraw-form', (form) => {
    const active = state.detail.dispatches.find((dispatch) => ACTIVE_DISPATCH.has(dispatch.status));
    return act(
      form,
      'POST',
      `dispatches/${active.id}/withdraw`,
      { reason: form.elements.reason.value },
      'Dispatch withdrawn.',
    );
  });
  onSubmit('resolve-form', (form) => {
    const note = form.elements.note.value.trim();
    return act(
      form,
      'POST',
      'resolve',
      { outcome: form.elements.outcome.value, ...(note ? { note } : {}) },
      'Alarm resolved.',
    );
  });
}

function onSubmit(id, handler) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    void handler(event.currentTarget);
  });
}

/** One action on the open alarm; the answer is its new detail. Buttons stay disabled while it runs (no double dispatch). */
async function act(source, method, action, body, done) {
  const buttons = source instanceof HTMLFormElement ? [...source.querySelectorAll('button')] : [source];
  buttons.forEach((button) => (button.disabled = true));
  clearError();
  try {
    state.detail = await api(method, `/api/alarms/${state.selectedId}/${action}`, body);
    putSummary(state.detail);
    if (source instanceof HTMLFormElement) source.reset();
    renderQueue();
    renderDetail();
    say('notice', done);
  } catch (error) {
    showError(error.message);
  } finally {
    buttons.forEach((button) => (button.disabled = false));
  }
}

// ---------------------------------------------------------------------------------------------
// Signing in, status, small helpers

function signedIn(session) {
  state.signedIn = true;
  Object.assign(state, { alarms: new Map(), selectedId: null, detail: null, cursor: null, queueLoaded: false });
  renderQueue();
  renderDetail();
  showWho(session.actor);
  showSignedIn(true);
  clearError();
  connect();
  const reopen = sessionStorage.getItem(OPEN_ALARM_KEY);
  sessionStorage.removeItem(OPEN_ALARM_KEY);
  if (reopen) void openAlarm(reopen);
}

/** The session ended (expired, or signed out elsewhere): ask to sign in again; typed notes stay (keepDrafts). */
function sessionExpired() {
  if (!state.signedIn) return;
  state.signedIn = false;
  state.stream?.abort();
  if (state.selectedId) sessionStorage.setItem(OPEN_ALARM_KEY, state.selectedId);
  showSignedIn(false);
  setConnection('Ikke tilkoblet: økten er utløpt.', 'down');
  showError('Økten er utløpt. Logg inn igjen; det du har skrevet, blir tatt vare på.');
}

function showSignedIn(yes) {
  $('sign-in-button').hidden = yes;
  $('sign-out').hidden = !yes;
  if (!yes) $('who').textContent = '';
}

/** Who the server says is signed in (from the verified token; the page never sees the token). */
function showWho(actor) {
  $('who').textContent =
    `Logget inn som ${actor.name} (${actor.roles.join(', ')}), sentral ${actor.responseCentreId ?? '—'}`;
}

function setConnection(text, kind) {
  const status = $('connection');
  status.textContent = text;
  status.className = `connection ${kind}`;
}

function showError(text) {
  const error = $('error');
  error.textContent = text;
  error.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

function formatTime(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

function element(tag, text, factKey) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (factKey) node.dataset.fact = factKey;
  return node;
}

const span = (className, text) => Object.assign(element('span', text), { className });
const textItem = (text) => element('li', text);
const option = (value, text) => Object.assign(element('option', text), { value });

function row(cells) {
  const tr = document.createElement('tr');
  tr.append(...cells.map((cell) => element('td', cell)));
  return tr;
}

function start() {
  wireActions();
  $('sign-in-button').addEventListener('click', goSignIn);
  $('sign-out').addEventListener('click', () => void endSession());
  for (const form of ['note-form', 'dispatch-form', 'withdraw-form', 'resolve-form']) keepDrafts($(form));
  setInterval(tickAges, 1000);
  currentSession()
    .then((session) => (session ? signedIn(session) : showSignedIn(false)))
    .catch((error) => showError(`Innloggingen kunne ikke sjekkes: ${error.message}`));
}

start();
