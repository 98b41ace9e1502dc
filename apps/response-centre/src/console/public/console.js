// Operator console: the live queue of the operator's centre, one alarm's detail, and the actions.
// Plain ES module, no build step. API calls and the live stream go through the shared client
// (live-client.js); texts come from messages.<language>.json and the shared vocabulary
// (i18n.js), times are Oslo's. Signing in is the server's (/auth/session.js, a backend-for-
// frontend): the page holds no token, the browser sends the session cookie, and the shared
// client adds the session's CSRF header to every request through its one header hook.

import { api, configureClient, followStream } from './live-client.js';
import {
  keepDrafts,
  keepOpenForSignIn,
  sessionHeaders,
  signIn as goSignIn,
  signOut as endSession,
  startSession,
} from '/auth/session.js';
import { createI18n, wireLanguagePicker } from './i18n.js';
import { VOCABULARY } from './vocabulary.js';

const ACTIVE_DISPATCH = new Set(['requested', 'accepted', 'en_route', 'arrived']);
const i18n = createI18n((language) => `/console/messages.${language}.json`);

const $ = (id) => document.getElementById(id);

const state = {
  signedIn: false,
  /** Who the server says is signed in (GET /auth/session). */
  actor: null,
  /** Alarm summaries by id, each with the moment (performance.now) its ageSeconds was true. */
  alarms: new Map(),
  selectedId: null,
  detail: null,
  /** The last stream event id: a reconnect resumes after it. */
  cursor: null,
  queueLoaded: false,
  live: false,
  stream: null,
};

// ---------------------------------------------------------------------------------------------
// The live stream

configureClient({ extraHeaders: () => sessionHeaders(), unauthorized: () => sessionExpired() });

function connect() {
  state.stream?.stop();
  state.live = false;
  setConnection(i18n.t('connection.connecting'), '');
  state.stream = followStream('/api/alarms/stream', {
    cursor: state.cursor,
    onEvent: handleEvent,
    onLost: (reason, delay) => {
      state.live = false;
      setConnection(i18n.t('connection.lost', { reason, seconds: delay / 1000 }), 'down');
    },
    onRefused: (status, message) => {
      if (status === 401) return; // the session ended: sessionExpired() has asked for sign-in
      showError(i18n.t('error.streamRefused', { message: message ?? status }));
      setConnection(i18n.t('connection.refused'), 'down');
    },
    // A cursor the server does not accept (another database?): start afresh and reload the queue.
    onCursorRefused: () => Object.assign(state, { queueLoaded: false, alarms: new Map() }),
  });
}

function handleEvent(event) {
  if (event.id) state.cursor = event.id;
  if (event.type === 'ready') return streamReady();
  if (event.type === 'step' && event.data) applyStep(JSON.parse(event.data));
}

/** Caught up: the first time, load the queue (everything before the stream's start is in it). */
async function streamReady() {
  state.live = true;
  setConnection(i18n.t('connection.live'), 'live');
  if (state.queueLoaded) return;
  try {
    const queue = await api('GET', '/api/alarms?limit=500');
    for (const summary of queue) putSummary(summary);
    state.queueLoaded = true;
    renderQueue();
  } catch (error) {
    if (error.status !== 401) showError(i18n.t('error.queue', { message: error.message }));
  }
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
  const what = { priority: alarm.priority, trigger: i18n.trigger(alarm.triggerType) };
  if (step.step === 'received' && !known) say('announcer', i18n.t('announce.new', what));
  else if (step.step === 'escalated')
    say('announcer', i18n.t('announce.escalated', { ...what, level: alarm.escalationLevel }));
  else if (step.step === 'dispatch_declined' || step.step === 'dispatch_expired' || step.step === 'dispatch_unanswered')
    say('announcer', i18n.t('announce.dispatchTrouble', { ...what, step: i18n.step(step.step) }));
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
    span('what', i18n.trigger(alarm.triggerType)),
    span('age', formatAge(ageOf(alarm))),
    span('sub', queueLine(alarm)),
  );
  if (alarm.escalationLevel > 0)
    button.append(span('flag', i18n.t('queue.escalated', { level: alarm.escalationLevel })));
  button.addEventListener('click', () => void openAlarm(alarm.id));
  button.addEventListener('keydown', moveInQueue);
  item.append(button);
  return item;
}

function queueLine(alarm) {
  const parts = [
    alarm.state === 'open' ? i18n.t('queue.notTaken') : i18n.t('queue.takenBy', { who: alarm.acknowledgedBy }),
  ];
  if (alarm.dispatch) parts.push(i18n.t('queue.homeCare', { status: i18n.dispatchStatus(alarm.dispatch.status) }));
  if (alarm.repeatCount > 0) parts.push(i18n.t('queue.repeated', { count: alarm.repeatCount }));
  if (alarm.cancelledAtDeviceAt) parts.push(i18n.t('queue.cancelled'));
  parts.push(i18n.t('queue.device', { device: alarm.deviceId }));
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
  if (seconds < 60) return i18n.t('age.seconds', { s: seconds });
  if (seconds < 3600) return i18n.t('age.minutes', { m: Math.floor(seconds / 60), s: seconds % 60 });
  return i18n.t('age.hours', { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) });
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
    if (error.status !== 401) showError(i18n.t('error.open', { message: error.message }));
  }
}

async function loadEvents(deviceId) {
  const body = $('events');
  try {
    const events = await api('GET', `/api/devices/${encodeURIComponent(deviceId)}/events?limit=10`);
    body.replaceChildren(
      ...events.map((event) => row([formatTime(event.receivedAt), i18n.trigger(event.type), event.eventId])),
    );
  } catch (error) {
    body.replaceChildren(row([i18n.t('events.unavailable', { message: error.message }), '', '']));
  }
}

function renderDetail() {
  const detail = state.detail;
  $('detail-empty').hidden = Boolean(detail);
  $('detail').hidden = !detail;
  if (!detail) return;
  $('detail-heading').textContent =
    `P${detail.priority} · ${i18n.trigger(detail.triggerType)} · ${i18n.t(`state.${detail.state}`)}`;
  renderFacts(detail);
  renderActions(detail);
  renderResident(detail.resident, detail.residentId);
  $('dispatches').replaceChildren(
    ...(detail.dispatches.length ? detail.dispatches.map(dispatchItem) : [textItem(i18n.t('none'))]),
  );
  $('log').replaceChildren(
    ...detail.log.map((entry) =>
      row([
        formatTime(entry.at),
        i18n.step(entry.step),
        `${i18n.t(`actor.${entry.actorKind}`)} ${entry.actorId}`,
        describe(entry.details),
      ]),
    ),
  );
}

function renderFacts(detail) {
  const facts = [
    [i18n.t('fact.state'), i18n.t(`state.${detail.state}`)],
    [
      i18n.t('fact.age'),
      formatAge(ageOf(state.alarms.get(detail.id) ?? { ...detail, seenAt: performance.now() })),
      'age',
    ],
    [i18n.t('fact.opened'), formatTime(detail.openedAt)],
    [i18n.t('fact.takenBy'), detail.acknowledgedBy ?? '—'],
    [i18n.t('fact.escalation'), String(detail.escalationLevel)],
    [i18n.t('fact.device'), detail.deviceId],
    [i18n.t('fact.repeats'), String(detail.repeatCount)],
    [i18n.t('fact.cancelled'), detail.cancelledAtDeviceAt ? formatTime(detail.cancelledAtDeviceAt) : i18n.t('fact.no')],
  ];
  if (detail.lastPosition) facts.push([i18n.t('fact.position'), positionText(detail.lastPosition)]);
  const voice = voiceRoute(detail.triggerEvent);
  if (voice) facts.push([i18n.t('fact.voice'), voice, 'voice']);
  if (detail.outcome) facts.push([i18n.t('fact.outcome'), i18n.outcome(detail.outcome)]);
  $('facts').replaceChildren(...facts.flatMap(([term, value, key]) => [element('dt', term), definition(value, key)]));
}

/** A fact's value: text, or a node (a link). */
function definition(value, key) {
  if (!(value instanceof Node)) return element('dd', value, key);
  const node = element('dd', undefined, key);
  node.append(value);
  return node;
}

/**
 * How the operator can talk with a SCAIP unit: its voice route (`crd`), carried under `scaip` on
 * the event that opened the alarm. A GSM or tel number is a tel: link, a SIP URI a link, `no-voice:`
 * says so; null when the alarm's device sent no route (MQTT devices).
 */
function voiceRoute(event) {
  const crd = typeof event?.scaip?.crd === 'string' ? event.scaip.crd.trim() : '';
  if (!crd) return null;
  const scheme = crd.slice(0, crd.indexOf(':') + 1).toLowerCase();
  const number = crd.slice(scheme.length).replace(/[^+0-9]/g, '');
  if (scheme === 'no-voice:') return i18n.t('voice.none');
  if (scheme === 'gsm:' || scheme === 'tel:') return number ? link(`tel:${number}`, number) : i18n.t('voice.noNumber');
  if (scheme === 'sip:' || scheme === 'sips:') return link(crd, crd);
  return crd;
}

function link(href, text) {
  return Object.assign(element('a', text), { href });
}

/** Forms are shown or hidden, never rebuilt: what an operator is typing survives a live update. */
function renderActions(detail) {
  const active = detail.dispatches.find((dispatch) => ACTIVE_DISPATCH.has(dispatch.status));
  $('acknowledge').hidden = detail.state !== 'open';
  $('dispatch-form').hidden = detail.state !== 'acknowledged' || Boolean(active);
  $('withdraw-form').hidden = !active;
  $('resolve-form').hidden = detail.state !== 'acknowledged';
  $('resolve-blocked').hidden = !active;
  if (active)
    $('withdraw-what').textContent = i18n.t('withdraw.what', {
      team: active.homeCareTeamName,
      status: i18n.dispatchStatus(active.status),
    });
  fillTeams(detail.homeCareTeams);
}

/** An operator picks any outcome but the device's own (power restored closes those alarms itself). */
function fillOutcomes() {
  const select = $('resolve-outcome');
  const chosen = select.value;
  const outcomes = Object.keys(VOCABULARY.outcomes).filter((outcome) => outcome !== 'cleared_by_device');
  select.replaceChildren(...outcomes.map((outcome) => option(outcome, i18n.outcome(outcome))));
  if (chosen) select.value = chosen;
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
      element('p', residentId ? i18n.t('resident.unknownHere', { id: residentId }) : i18n.t('resident.noResident')),
    );
    return;
  }
  const facts = element('dl');
  facts.className = 'facts';
  for (const [term, value] of [
    ['resident.name', resident.name],
    ['resident.address', resident.address],
    ['resident.keyBox', resident.keyBox],
    ['resident.doorCodeHint', resident.doorCodeHint],
    ['resident.accessNote', resident.accessNote],
    ['resident.careNote', resident.careNote],
  ]) {
    if (value) facts.append(element('dt', i18n.t(term)), element('dd', value));
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
  box.replaceChildren(
    facts,
    element('h4', i18n.t('resident.contacts')),
    resident.contacts.length ? contacts : element('p', i18n.t('none')),
  );
}

/** Where the resident's tracker last was, how exact, and how old that is. */
function positionText(position) {
  const accuracy = position.accuracyMeters === null ? '' : ` ±${Math.round(position.accuracyMeters)} m`;
  const zone =
    position.insideSafeZone === false
      ? i18n.t('position.outside')
      : position.insideSafeZone
        ? i18n.t('position.inside')
        : '';
  return i18n.t('position.text', {
    lat: position.lat.toFixed(5),
    lon: position.lon.toFixed(5),
    accuracy,
    age: formatAge(position.ageSeconds),
    zone,
  });
}

function dispatchItem(dispatch) {
  const who = dispatch.acceptedBy
    ? i18n.t('dispatches.acceptedBy', { who: dispatch.acceptedBy.name ?? dispatch.acceptedBy.id })
    : '';
  const until =
    dispatch.status === 'requested' ? i18n.t('dispatches.acceptBy', { time: formatTime(dispatch.acceptBy) }) : '';
  return textItem(
    `${formatTime(dispatch.requestedAt)} ${dispatch.homeCareTeamName}: ${i18n.dispatchStatus(dispatch.status)}${until}${who}. “${dispatch.instructions}”`,
  );
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** A log entry's details as text; moments in them shown in Oslo time like every other time on the page. */
function describe(details) {
  const shown = (value) =>
    typeof value === 'object' ? JSON.stringify(value) : ISO_TIME.test(String(value)) ? formatTime(value) : value;
  return Object.entries(details ?? {})
    .filter(([key]) => !['dispatchId', 'homeCareTeamId', 'updateId', 'eventId'].includes(key))
    .map(([key, value]) => `${labelOr(`detail.${key}`, key)}: ${shown(value)}`)
    .join('; ');
}

/** The page text for a key made at run time (a log detail, a role), or the raw name where there is none. */
function labelOr(key, raw) {
  return i18n.messages[key] ?? raw;
}

// ---------------------------------------------------------------------------------------------
// Actions

function wireActions() {
  $('acknowledge').addEventListener(
    'click',
    (event) => void act(event.currentTarget, 'POST', 'acknowledge', undefined, 'done.acknowledged'),
  );
  onSubmit('note-form', (form) => act(form, 'POST', 'notes', { text: form.elements.text.value }, 'done.note'));
  onSubmit('dispatch-form', (form) => {
    const seconds = form.elements.acceptWithinSeconds.value;
    const body = {
      homeCareTeamId: form.elements.homeCareTeamId.value,
      instructions: form.elements.instructions.value,
      ...(seconds ? { acceptWithinSeconds: Number(seconds) } : {}),
    };
    return act(form, 'POST', 'dispatches', body, 'done.dispatched');
  });
  onSubmit('withdraw-form', (form) => {
    const active = state.detail.dispatches.find((dispatch) => ACTIVE_DISPATCH.has(dispatch.status));
    return act(
      form,
      'POST',
      `dispatches/${active.id}/withdraw`,
      { reason: form.elements.reason.value },
      'done.withdrawn',
    );
  });
  onSubmit('resolve-form', (form) => {
    const note = form.elements.note.value.trim();
    return act(
      form,
      'POST',
      'resolve',
      { outcome: form.elements.outcome.value, ...(note ? { note } : {}) },
      'done.resolved',
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
    say('notice', i18n.t(done));
  } catch (error) {
    // A 401: the session ended and the page asks for sign-in; the typed text stays (keepDrafts).
    if (error.status !== 401) showError(error.message);
  } finally {
    buttons.forEach((button) => (button.disabled = false));
  }
}

// ---------------------------------------------------------------------------------------------
// Signing in, status, small helpers

/** Signed in: the queue afresh, and the alarm that was open when the last session ended (`reopen`) again. */
function signedIn(session, reopen) {
  state.signedIn = true;
  state.actor = session.actor;
  Object.assign(state, { alarms: new Map(), selectedId: null, detail: null, cursor: null, queueLoaded: false });
  renderQueue();
  renderDetail();
  showWho();
  showSignedIn(true);
  clearError();
  connect();
  if (reopen) void openAlarm(reopen);
}

/** The session ended (expired, or signed out elsewhere): ask to sign in again; typed notes stay (keepDrafts). */
function sessionExpired() {
  if (!state.signedIn) return;
  state.signedIn = false;
  state.stream?.stop();
  state.stream = null;
  state.live = false;
  if (state.selectedId) keepOpenForSignIn(state.selectedId);
  showSignedIn(false);
  setConnection(i18n.t('connection.expired'), 'down');
  showError(i18n.t('signIn.expired'));
}

function showSignedIn(yes) {
  $('sign-in-button').hidden = yes;
  $('sign-out').hidden = !yes;
  if (!yes) {
    state.actor = null;
    $('who').textContent = '';
  }
}

/** Who the server says is signed in (from the verified token; the page never sees the token). */
function showWho() {
  if (!state.actor) return;
  $('who').textContent = i18n.t('signIn.signedInAs', {
    name: state.actor.name,
    roles: state.actor.roles.map((role) => labelOr(`role.${role}`, role)).join(', '),
    centre: state.actor.responseCentreId ?? '—',
  });
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

/** Date and time in Oslo, in the chosen language's format. */
function formatTime(iso) {
  return i18n.dateTime(iso);
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

async function start() {
  await i18n.use(i18n.language);
  fillOutcomes();
  wireLanguagePicker($('language'), i18n, () => {
    fillOutcomes();
    renderQueue();
    renderDetail();
    showWho();
    if (state.live) setConnection(i18n.t('connection.live'), 'live');
    else if (!state.signedIn) setConnection(i18n.t('connection.notConnected'), '');
  });
  setConnection(i18n.t('connection.notConnected'), '');
  wireActions();
  $('sign-in-button').addEventListener('click', goSignIn);
  $('sign-out').addEventListener('click', () => void endSession());
  for (const form of ['note-form', 'dispatch-form', 'withdraw-form', 'resolve-form']) keepDrafts($(form));
  setInterval(tickAges, 1000);
  await startSession({
    signedIn,
    signedOut: () => showSignedIn(false),
    checkFailed: (error) => {
      showSignedIn(false);
      showError(i18n.t('signIn.checkFailed', { message: error.message }));
    },
  });
}

await start();
