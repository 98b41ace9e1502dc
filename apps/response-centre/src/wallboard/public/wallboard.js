// The supervisors' wallboard. Plain ES module, no build step; Chart.js (served from node_modules
// at /wallboard/chart.umd.min.js) draws the two charts. Signing in is the server's, as on the
// console (/auth/session.js, a backend-for-frontend): the page holds no token, the browser sends
// the session cookie. The figures come from /api/wallboard/centres/{id} (the centre of the
// signed-in supervisor); the centre's live stream (/api/alarms/stream, through the shared client)
// says when something changed, and the board reads them again. Texts come from
// messages.<language>.json (i18n.js); times are Oslo's.

import { api, configureClient, followStream } from './live-client.js';
import { sessionHeaders, signIn, signOut, startSession } from '/auth/session.js';
import { createI18n, TIME_ZONE, wireLanguagePicker } from './i18n.js';

const i18n = createI18n((language) => `/wallboard/messages.${language}.json`);
const LOCALES = { nb: 'nb-NO', en: 'en-GB' };
const $ = (id) => document.getElementById(id);

const state = { actor: null, board: null, charts: null, stream: null, signedIn: false, connection: null };

configureClient({ extraHeaders: () => sessionHeaders(), unauthorized: () => sessionEnded() });

function setText(id, text) {
  $(id).textContent = text;
}

/** The connection's state as a message key (kept, so a change of language says it again). */
function setConnection(key, params = {}, kind = '') {
  state.connection = { key, params, kind };
  setText('connection', i18n.t(key, params));
  $('connection').className = `connection ${kind}`;
}

function showError(text) {
  const element = $('error');
  element.textContent = text ?? '';
  element.hidden = !text;
}

async function load() {
  try {
    state.board = await api('GET', `/api/wallboard/centres/${state.actor.responseCentreId}`);
  } catch (error) {
    if (error.status !== 401) showError(i18n.t('error.refused', { message: error.message }));
    return;
  }
  showError(null);
  render();
}

let reloadTimer = null;
/** Many steps in a burst ask once. */
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => void load(), 250);
}

/** 97,5 % in Norwegian, 97.5 % in English. */
function percent(value) {
  return `${new Intl.NumberFormat(LOCALES[i18n.language], { maximumFractionDigits: 1 }).format(value)} %`;
}

function render() {
  const board = state.board;
  if (!board) return;
  $('board').hidden = false;
  const within = board.today.within60s;
  setText('within-percent', within.percent === null ? '–' : percent(within.percent));
  $('within-percent').className =
    within.percent === null ? '' : within.percent >= 97.5 ? 'good' : within.percent >= 90 ? 'warn' : 'bad';
  setText(
    'within-detail',
    within.of === 0 ? i18n.t('within.none') : i18n.t('within.detail', { count: within.count, of: within.of }),
  );
  const byPriority = board.queue.byPriority;
  setText('queue-open', String(board.queue.open));
  $('queue-open').className = board.queue.open === 0 ? 'good' : byPriority['1'] > 0 ? 'bad' : 'warn';
  setText('queue-detail', i18n.t('queue.detail', { p1: byPriority['1'], p2: byPriority['2'], p3: byPriority['3'] }));
  setText('escalations', String(board.today.escalations));
  setText('dispatches', String(board.dispatchesUnderWay));
  setText('silent', String(board.devicesSilent));
  $('silent').className = board.devicesSilent > 0 ? 'warn' : '';
  tickOldest();
  const at = new Intl.DateTimeFormat(LOCALES[i18n.language], { timeZone: TIME_ZONE, timeStyle: 'medium' });
  setText('updated', i18n.t('updated', { time: at.format(new Date(board.at)) }));
  drawCharts(within, byPriority);
}

function tickOldest() {
  const since = state.board?.queue.oldestOpenSince;
  if (!since) {
    setText('oldest', i18n.t('oldest.none'));
    $('oldest').className = 'good';
    return;
  }
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  setText('oldest', `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`);
  $('oldest').className = seconds > 60 ? 'bad' : 'warn';
}

function drawCharts(within, byPriority) {
  const Chart = window.Chart;
  if (!Chart) return;
  Chart.defaults.color = '#f8fafc';
  Chart.defaults.font.size = 18;
  const withinData = [within.count, within.of - within.count];
  const queueData = ['1', '2', '3'].map((p) => byPriority[p]);
  const withinLabels = [i18n.t('chart.in'), i18n.t('chart.over')];
  const queueLabels = ['1', '2', '3'].map((priority) => i18n.t('chart.priority', { priority }));
  if (!state.charts) {
    state.charts = {
      within: new Chart($('within-chart'), {
        type: 'doughnut',
        data: {
          labels: withinLabels,
          datasets: [{ data: withinData, backgroundColor: ['#4ade80', '#f87171'], borderWidth: 0 }],
        },
        options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: 'right' } } },
      }),
      queue: new Chart($('queue-chart'), {
        type: 'bar',
        data: {
          labels: queueLabels,
          datasets: [{ data: queueData, backgroundColor: ['#f87171', '#facc15', '#93c5fd'] }],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      }),
    };
    return;
  }
  Object.assign(state.charts.within.data, { labels: withinLabels });
  state.charts.within.data.datasets[0].data = withinData;
  state.charts.within.update();
  Object.assign(state.charts.queue.data, { labels: queueLabels });
  state.charts.queue.data.datasets[0].data = queueData;
  state.charts.queue.update();
}

/** The centre's live stream: every handling-log step is a reason to read the board again. */
function follow() {
  state.stream?.stop();
  setConnection('connection.connecting');
  state.stream = followStream('/api/alarms/stream', {
    onEvent: (event) => {
      if (event.type === 'ready') setConnection('connection.live', {}, 'up');
      if (event.type === 'ready' || event.type === 'step') reloadSoon();
    },
    onLost: (reason, delay) => setConnection('connection.lost', { reason, seconds: delay / 1000 }, 'down'),
    onRefused: (status, message) => {
      if (status === 401) return; // the session ended: sessionEnded() asks for sign-in
      showError(i18n.t('error.refused', { message: message ?? status }));
      setConnection('connection.refused', {}, 'down');
    },
  });
}

function showSignedIn(yes) {
  $('sign-in-button').hidden = yes;
  $('sign-out').hidden = !yes;
  setText('who', yes && state.actor ? i18n.t('signIn.signedInAs', { name: state.actor.name }) : '');
}

function signedIn(session) {
  state.actor = session.actor;
  state.signedIn = true;
  showSignedIn(true);
  // The board is a supervisor's, of the centre the sign-in names (the server checks both again).
  if (!session.actor.roles.includes('supervisor') || !session.actor.responseCentreId) {
    showError(i18n.t('signIn.notSupervisor', { name: session.actor.name }));
    return;
  }
  showError(null);
  void load();
  follow();
}

/** The session ended (expired, or signed out elsewhere): stop following and ask to sign in again. */
function sessionEnded() {
  if (!state.signedIn) return;
  state.signedIn = false;
  state.stream?.stop();
  state.stream = null;
  state.actor = null;
  showSignedIn(false);
  setConnection('connection.notConnected', {}, 'down');
  showError(i18n.t('signIn.expired'));
}

async function start() {
  await i18n.use(i18n.language);
  wireLanguagePicker($('language'), i18n, () => {
    showSignedIn(state.signedIn);
    render();
    const { key, params, kind } = state.connection;
    setConnection(key, params, kind);
  });
  setConnection('connection.notConnected');
  $('sign-in-button').addEventListener('click', signIn);
  $('sign-out').addEventListener('click', () => void signOut());
  setInterval(tickOldest, 1000);
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
