// The supervisors' wallboard. Plain ES module, no build step; Chart.js (served from
// node_modules at /wallboard/chart.umd.min.js) draws the two charts. The figures come from
// /api/wallboard/centres/{id}; the centre's live stream (/api/alarms/stream, read with fetch so
// the token stays in a header) says when something changed, and the board reads them again.

/** Every visible text, in Norwegian bokmål, in one place (to move to the shared message files). */
const MESSAGES = {
  title: 'Responssenteret nå',
  tokenLabel: 'Tilgangsnøkkel (veileder)',
  useToken: 'Bruk nøkkel',
  connected: 'Direkte: oppdateres av seg selv',
  connecting: 'Kobler til …',
  lost: (seconds) => `Forbindelsen brøt; prøver igjen om ${seconds} s`,
  refused: 'Nøkkelen ble avvist',
  noCentre: 'Nøkkelen gjelder ikke et responssenter',
  within: 'Besvart innen 60 s i dag',
  withinDetail: (count, of) => `${count} av ${of} besvarte alarmer (mål 97,5 %)`,
  noneAnswered: 'Ingen besvarte alarmer i dag ennå',
  queue: 'Venter på svar',
  queueDetail: (p) => `Prioritet 1: ${p['1']} · Prioritet 2: ${p['2']} · Prioritet 3: ${p['3']}`,
  priority: (n) => `Pri ${n}`,
  oldest: 'Eldste ubesvarte',
  noneWaiting: 'Ingen',
  escalations: 'Eskaleringer i dag',
  dispatches: 'Utkallinger underveis',
  silent: 'Tause enheter',
  updated: (time) => `Sist oppdatert ${time}`,
  chartWithin: 'Andel besvart innen 60 sekunder',
  chartQueue: 'Ventende alarmer etter prioritet',
  chartIn: 'Innen 60 s',
  chartOver: 'Over 60 s',
};

const TOKEN_KEY = 'welfare.wallboard.token';
const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  centreId: null,
  board: null,
  charts: null,
  stream: null,
};
const $ = (id) => document.getElementById(id);

function setText(id, text) {
  $(id).textContent = text;
}

function showTexts() {
  for (const [id, key] of [
    ['title', 'title'],
    ['token-label', 'tokenLabel'],
    ['use-token', 'useToken'],
    ['within-heading', 'within'],
    ['queue-heading', 'queue'],
    ['oldest-heading', 'oldest'],
    ['escalations-heading', 'escalations'],
    ['dispatches-heading', 'dispatches'],
    ['silent-heading', 'silent'],
  ])
    setText(id, MESSAGES[key]);
  $('within-chart').setAttribute('aria-label', MESSAGES.chartWithin);
  $('queue-chart').setAttribute('aria-label', MESSAGES.chartQueue);
}

/** The centre named in the token (the server checks it again on every call). */
function centreOf(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.response_centre_id === 'string' ? payload.response_centre_id : null;
  } catch {
    return null;
  }
}

function setConnection(text, kind) {
  const element = $('connection');
  element.textContent = text;
  element.className = `connection ${kind ?? ''}`;
}

function showError(text) {
  const element = $('error');
  element.textContent = text ?? '';
  element.hidden = !text;
}

async function load() {
  const response = await fetch(`/api/wallboard/centres/${state.centreId}`, {
    headers: { authorization: `Bearer ${state.token}` },
    cache: 'no-store',
  });
  if (!response.ok) {
    const json = await response.json().catch(() => null);
    showError(`${MESSAGES.refused}: ${json?.message ?? response.status}`);
    return;
  }
  showError(null);
  state.board = await response.json();
  render();
}

let reloadTimer = null;
/** Many steps in a burst ask once. */
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => void load(), 250);
}

function render() {
  const board = state.board;
  $('board').hidden = false;
  const within = board.today.within60s;
  setText('within-percent', within.percent === null ? '–' : `${String(within.percent).replace('.', ',')} %`);
  $('within-percent').className =
    within.percent === null ? '' : within.percent >= 97.5 ? 'good' : within.percent >= 90 ? 'warn' : 'bad';
  setText('within-detail', within.of === 0 ? MESSAGES.noneAnswered : MESSAGES.withinDetail(within.count, within.of));
  setText('queue-open', String(board.queue.open));
  $('queue-open').className = board.queue.open === 0 ? 'good' : board.queue.byPriority['1'] > 0 ? 'bad' : 'warn';
  setText('queue-detail', MESSAGES.queueDetail(board.queue.byPriority));
  setText('escalations', String(board.today.escalations));
  setText('dispatches', String(board.dispatchesUnderWay));
  setText('silent', String(board.devicesSilent));
  $('silent').className = board.devicesSilent > 0 ? 'warn' : '';
  tickOldest();
  setText('updated', MESSAGES.updated(new Date(board.at).toLocaleTimeString('nb-NO')));
  drawCharts(within, board.queue.byPriority);
}

function tickOldest() {
  const since = state.board?.queue.oldestOpenSince;
  if (!since) {
    setText('oldest', MESSAGES.noneWaiting);
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
  const ink = '#f8fafc';
  Chart.defaults.color = ink;
  Chart.defaults.font.size = 18;
  const withinData = [within.count, within.of - within.count];
  const queueData = ['1', '2', '3'].map((p) => byPriority[p]);
  if (!state.charts) {
    state.charts = {
      within: new Chart($('within-chart'), {
        type: 'doughnut',
        data: {
          labels: [MESSAGES.chartIn, MESSAGES.chartOver],
          datasets: [{ data: withinData, backgroundColor: ['#4ade80', '#f87171'], borderWidth: 0 }],
        },
        options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: 'right' } } },
      }),
      queue: new Chart($('queue-chart'), {
        type: 'bar',
        data: {
          labels: ['1', '2', '3'].map(MESSAGES.priority),
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
  state.charts.within.data.datasets[0].data = withinData;
  state.charts.within.update();
  state.charts.queue.data.datasets[0].data = queueData;
  state.charts.queue.update();
}

/** The centre's live stream: every handling-log step is a reason to read the board again. */
async function follow() {
  state.stream?.abort();
  const controller = new AbortController();
  state.stream = controller;
  setConnection(MESSAGES.connecting);
  try {
    const response = await fetch('/api/alarms/stream', {
      headers: { authorization: `Bearer ${state.token}` },
      signal: controller.signal,
      cache: 'no-store',
    });
    if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) {
        if (/^event: ready$/m.test(block)) {
          setConnection(MESSAGES.connected, 'up');
          reloadSoon();
        } else if (/^event: step$/m.test(block)) reloadSoon();
      }
    }
    throw new Error('closed');
  } catch {
    if (controller.signal.aborted) return;
    setConnection(MESSAGES.lost(5), 'down');
    setTimeout(() => void follow(), 5000);
  }
}

function start(token) {
  state.token = token.trim();
  state.centreId = centreOf(state.token);
  if (!state.centreId) {
    showError(MESSAGES.noCentre);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $('sign-in').hidden = true;
  void load();
  void follow();
}

showTexts();
setConnection('');
setInterval(tickOldest, 1000);
$('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  start($('token').value);
});
if (state.token) start(state.token);
