// The municipality administrators' pages: residents, devices, alarm rules and safe zones,
// home-care teams, CSV import, and each resident's access log. Plain ES module, no build step.
// Every call goes through the shared API client (live-client.js) with the session cookie of the
// registry's backend-for-frontend sign-in and its CSRF header; the API fences every call to the
// administrator's own municipality. Texts come from messages.<language>.json and the shared
// vocabulary (i18n.js). A refusal (4xx) is shown beside the field it concerns and nothing typed is
// lost: forms are never cleared on an error, and a change of language keeps what is typed.

import { api, ApiError, configureClient, headersFor } from './live-client.js';
import {
  keepOpenForSignIn,
  sessionHeaders,
  signIn as goSignIn,
  signOut as endSession,
  startSession,
} from '/auth/session.js';
import { createI18n, wireLanguagePicker } from './i18n.js';
import { VOCABULARY } from './vocabulary.js';
import { clearErrors, field, formError, h, showErrors, textOrNull } from './forms.js';
import { createZoneMap } from './zone-map.js';

const i18n = createI18n((language) => `/admin/messages.${language}.json`);
const t = (key, params) => i18n.t(key, params);
const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 20;
const MAX_CONTACTS = 5;
const DEVICE_KINDS = Object.keys(VOCABULARY.deviceKinds);
const DEVICE_STATES = Object.keys(VOCABULARY.deviceStates);

const state = {
  actor: null,
  settings: { tileUrl: '', attribution: '' },
  teams: [],
  /** The current view: its name, its id (a resident), and what it loaded. */
  view: { name: null, id: null, data: null },
  residentsQuery: { search: '', page: 0 },
  /** A secret just issued: shown until dismissed, never fetched again. */
  secret: null,
  /** A confirmation asked for (rotate, retire, delete): { action, deviceId, … }. */
  confirm: null,
  /** The credentials file of the last import, offered once. */
  credentials: null,
  importState: null,
  zoneMap: null,
};

configureClient({ extraHeaders: () => sessionHeaders(), unauthorized: () => sessionExpired() });

// ---------------------------------------------------------------------------------------------
// Routing: #residents, #resident/new, #resident/<id>, #devices, #rules, #teams, #import

function route() {
  const [name = 'residents', id = null] = location.hash.slice(1).split('/');
  const view =
    name === 'resident'
      ? 'resident'
      : ['residents', 'devices', 'rules', 'teams', 'import'].includes(name)
        ? name
        : 'residents';
  return { name: view, id };
}

async function navigate({ focus = true } = {}) {
  if (!state.actor) return;
  const { name, id } = route();
  state.view = { name, id, data: null };
  state.confirm = null;
  if (name !== 'resident') state.secret = null;
  for (const link of document.querySelectorAll('#nav a')) {
    const current = link.dataset.view === name || (name === 'resident' && link.dataset.view === 'residents');
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  hideError();
  try {
    state.view.data = await LOADERS[name](id);
  } catch (error) {
    if (error.status === 401) return;
    showError(t('error.load', { message: error.message }));
    state.view.data = null;
  }
  render({ keep: false });
  if (focus) $('view').querySelector('h2')?.focus();
}

/**
 * Renders the current view from what it loaded, keeping whatever is typed in its fields (a change
 * of language, a confirmation asked); `keep: false` after loading afresh.
 */
function render({ keep = true } = {}) {
  const view = $('view');
  const kept = keep ? snapshot(view) : { values: {}, errors: {} };
  state.zoneMap?.map.remove();
  state.zoneMap = null;
  const data = state.view.data;
  view.replaceChildren(data ? RENDERERS[state.view.name](data) : h('p', {}, t('error.nothing')));
  restore(view, kept);
  afterRender();
}

function snapshot(view) {
  const values = {};
  for (const input of view.querySelectorAll('input[id], textarea[id], select[id]'))
    if (input.type !== 'file') values[input.id] = input.type === 'checkbox' ? input.checked : input.value;
  const errors = {};
  for (const box of view.querySelectorAll('.field-error[id], .form-error[id]'))
    if (!box.hidden) errors[box.id] = box.textContent;
  return { values, errors };
}

function restore(view, { values, errors }) {
  for (const [id, value] of Object.entries(values)) {
    const input = view.querySelector(`#${CSS.escape(id)}`);
    if (!input) continue;
    if (input.type === 'checkbox') input.checked = value;
    else input.value = value;
  }
  for (const [id, text] of Object.entries(errors)) {
    const box = view.querySelector(`#${CSS.escape(id)}`);
    if (!box) continue;
    box.textContent = text;
    box.hidden = false;
    const input = view.querySelector(`[aria-describedby~="${id}"]`);
    input?.setAttribute('aria-invalid', 'true');
  }
}

let afterRenderHooks = [];
function afterRender() {
  const hooks = afterRenderHooks;
  afterRenderHooks = [];
  for (const hook of hooks) hook();
}

const LOADERS = {
  residents: loadResidents,
  resident: loadResident,
  devices: loadDevices,
  rules: () => api('GET', `/api/municipalities/${state.actor.municipalityId}/alarm-rule-defaults`),
  teams: loadTeams,
  import: async () => ({}),
};

const RENDERERS = {
  residents: renderResidents,
  resident: renderResident,
  devices: renderDevices,
  rules: renderDefaults,
  teams: renderTeams,
  import: renderImport,
};

// ---------------------------------------------------------------------------------------------
// Residents: list with search and paging

async function loadResidents() {
  const { search, page } = state.residentsQuery;
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(page * PAGE_SIZE) });
  if (search) query.set('search', search);
  const response = await fetch(`/api/residents?${query}`, { headers: headersFor('GET'), cache: 'no-store' });
  if (response.status === 401) {
    sessionExpired();
    throw new ApiError(401, 'unauthorized', null);
  }
  const json = await response.json();
  if (!response.ok) throw new ApiError(response.status, json?.message ?? `HTTP ${response.status}`, json);
  await loadTeams();
  return { residents: json, total: Number(response.headers.get('x-total-count') ?? json.length) };
}

function teamName(id) {
  return state.teams.find((team) => team.id === id)?.name ?? '—';
}

function renderResidents({ residents, total }) {
  const { search, page } = state.residentsQuery;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        state.residentsQuery = { search: $('resident-search').value.trim(), page: 0 };
        void navigate({ focus: false }).then(() => say(t('residents.found', { count: state.view.data?.total ?? 0 })));
      },
    },
    h('label', { for: 'resident-search' }, t('residents.search')),
    h('input', { id: 'resident-search', type: 'search', value: search, autocomplete: 'off' }),
    h('button', { type: 'submit' }, t('residents.searchButton')),
  );
  const rows = residents.map((resident) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#resident/${resident.id}` }, resident.name)),
      h('td', {}, resident.address),
      h('td', {}, teamName(resident.homeCareTeamId)),
      h('td', {}, String(resident.contacts.length)),
    ),
  );
  const pageButton = (label, target, id) =>
    h(
      'button',
      {
        type: 'button',
        id,
        disabled: target < 0 || target >= pages,
        onclick: () => {
          state.residentsQuery.page = target;
          void navigate({ focus: false }).then(() => $(id)?.focus());
        },
      },
      label,
    );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'residents-heading' },
    h('h2', { id: 'residents-heading', tabindex: '-1' }, t('residents.heading')),
    h('p', {}, h('a', { href: '#resident/new', class: 'button-link', id: 'new-resident' }, t('residents.new'))),
    form,
    residents.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'grid', id: 'residents-table' },
            h(
              'caption',
              {},
              t('residents.caption', { from: page * PAGE_SIZE + 1, to: page * PAGE_SIZE + residents.length, total }),
            ),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, t('resident.name')),
                h('th', { scope: 'col' }, t('resident.address')),
                h('th', { scope: 'col' }, t('resident.team')),
                h('th', { scope: 'col' }, t('residents.contacts')),
              ),
            ),
            h('tbody', {}, rows),
          ),
        )
      : h('p', { class: 'empty' }, search ? t('residents.noneFound') : t('residents.none')),
    h(
      'nav',
      { class: 'paging', 'aria-label': t('residents.paging') },
      pageButton(t('residents.previous'), page - 1, 'residents-previous'),
      h('span', {}, t('residents.page', { page: page + 1, pages })),
      pageButton(t('residents.next'), page + 1, 'residents-next'),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// One resident: details and contacts, devices, alarm rules and safe zones, access log, deletion

async function loadResident(id) {
  await loadTeams();
  if (id === 'new' || !id) return { resident: null };
  const [resident, rules, devices, stock, accessLog] = await Promise.all([
    api('GET', `/api/residents/${id}`),
    api('GET', `/api/residents/${id}/alarm-rules`),
    api('GET', `/api/devices?residentId=${id}`),
    api('GET', '/api/devices?state=in_stock'),
    api('GET', `/api/residents/${id}/access-log`),
  ]);
  return { resident, rules, devices, stock, accessLog, zones: structuredClone(rules.own.safeZones ?? []) };
}

function renderResident(data) {
  const { resident } = data;
  const title = resident ? resident.name : t('resident.newHeading');
  const parts = [
    h('p', {}, h('a', { href: '#residents' }, t('resident.back'))),
    h('h2', { id: 'resident-heading', tabindex: '-1' }, title),
    residentForm(data),
  ];
  if (resident) {
    parts.push(residentDevices(data), alarmRules(data), accessLog(data), deletion(data));
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'resident-heading' }, parts);
}

function residentForm(data) {
  const r = data.resident ?? {};
  const contacts = data.draftContacts ?? r.contacts ?? [];
  data.draftContacts = contacts;
  const form = h('form', { id: 'resident-form', novalidate: true, class: 'stack' });
  const teamOptions = [['', t('resident.noTeam')], ...state.teams.map((team) => [team.id, team.name])];
  form.append(
    formError(),
    h(
      'fieldset',
      {},
      h('legend', {}, t('resident.details')),
      field({
        id: 'resident-name',
        path: 'name',
        label: t('resident.name'),
        value: r.name,
        attrs: { autocomplete: 'off', 'aria-required': 'true' },
      }),
      field({
        id: 'resident-address',
        path: 'address',
        label: t('resident.address'),
        value: r.address,
        attrs: { 'aria-required': 'true' },
      }),
      field({
        id: 'resident-team',
        path: 'homeCareTeamId',
        label: t('resident.team'),
        value: r.homeCareTeamId ?? '',
        control: 'select',
        options: teamOptions,
      }),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('resident.access')),
      field({
        id: 'resident-key-box',
        path: 'keyBox',
        label: t('resident.keyBox'),
        value: r.keyBox,
        help: t('resident.keyBoxHelp'),
      }),
      field({
        id: 'resident-door-code-hint',
        path: 'doorCodeHint',
        label: t('resident.doorCodeHint'),
        value: r.doorCodeHint,
        help: t('resident.doorCodeHintHelp'),
      }),
      field({
        id: 'resident-access-note',
        path: 'accessNote',
        label: t('resident.accessNote'),
        value: r.accessNote,
        control: 'textarea',
      }),
    ),
    contactsFieldset(contacts),
    field({
      id: 'resident-care-note',
      path: 'careNote',
      label: t('resident.careNote'),
      value: r.careNote,
      control: 'textarea',
      help: t('resident.careNoteHelp'),
    }),
    h(
      'button',
      { type: 'submit', class: 'primary', id: 'resident-save' },
      data.resident ? t('resident.save') : t('resident.create'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void saveResident(form, data);
  });
  return form;
}

function contactsFieldset(contacts) {
  const list = h('ol', { id: 'contacts', class: 'contacts' });
  const fieldset = h(
    'fieldset',
    { id: 'contacts-fieldset' },
    h('legend', {}, t('contacts.legend')),
    h('p', { class: 'help', id: 'contacts-help' }, t('contacts.help')),
    list,
    h(
      'button',
      {
        type: 'button',
        id: 'add-contact',
        onclick: () => {
          const current = readContacts();
          if (current.length >= MAX_CONTACTS) return say(t('contacts.max', { max: MAX_CONTACTS }));
          state.view.data.draftContacts = [...current, { name: '', phone: '', relation: '' }];
          redrawContacts(current.length, 'name');
        },
      },
      t('contacts.add'),
    ),
  );
  contacts.forEach((contact, index) => list.append(contactRow(contact, index, contacts.length)));
  return fieldset;
}

function contactRow(contact, index, count) {
  const n = index + 1;
  const move = (to, label, id) =>
    h(
      'button',
      {
        type: 'button',
        id,
        class: 'small',
        disabled: to < 0 || to >= count,
        onclick: () => {
          const current = readContacts();
          const [moved] = current.splice(index, 1);
          current.splice(to, 0, moved);
          state.view.data.draftContacts = current;
          redrawContacts(to, id.includes('up') ? 'up' : 'down');
          say(t('contacts.moved', { name: moved.name || t('contacts.unnamed'), position: to + 1 }));
        },
      },
      label,
    );
  return h(
    'li',
    { class: 'contact' },
    h(
      'fieldset',
      {},
      h('legend', {}, t('contacts.number', { n })),
      field({
        id: `contact-${index}-name`,
        path: `contacts.${index}.name`,
        label: t('contacts.name'),
        value: contact.name,
      }),
      field({
        id: `contact-${index}-phone`,
        path: `contacts.${index}.phone`,
        label: t('contacts.phone'),
        value: contact.phone,
        type: 'tel',
      }),
      field({
        id: `contact-${index}-relation`,
        path: `contacts.${index}.relation`,
        label: t('contacts.relation'),
        value: contact.relation ?? '',
      }),
      h(
        'div',
        { class: 'row-actions' },
        move(index - 1, t('contacts.up', { n }), `contact-${index}-up`),
        move(index + 1, t('contacts.down', { n }), `contact-${index}-down`),
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            id: `contact-${index}-remove`,
            onclick: () => {
              const current = readContacts();
              current.splice(index, 1);
              state.view.data.draftContacts = current;
              redrawContacts(Math.min(index, current.length - 1), 'name');
            },
          },
          t('contacts.remove', { n }),
        ),
      ),
    ),
  );
}

/** The contacts as typed, in their order on the page. */
function readContacts() {
  return [...document.querySelectorAll('#contacts > li')].map((_, index) => ({
    name: $(`contact-${index}-name`).value,
    phone: $(`contact-${index}-phone`).value,
    relation: $(`contact-${index}-relation`).value,
  }));
}

function redrawContacts(focusIndex, what) {
  const contacts = state.view.data.draftContacts;
  const list = $('contacts');
  list.replaceChildren(...contacts.map((contact, index) => contactRow(contact, index, contacts.length)));
  if (focusIndex < 0) return $('add-contact').focus();
  const target = $(`contact-${focusIndex}-${what}`);
  (target && !target.disabled ? target : $(`contact-${focusIndex}-name`))?.focus();
}

async function saveResident(form, data) {
  clearErrors(form);
  const contacts = readContacts()
    .filter((contact) => contact.name.trim() || contact.phone.trim() || contact.relation.trim())
    .map((contact) => ({
      name: contact.name.trim(),
      phone: contact.phone.trim(),
      ...(contact.relation.trim() ? { relation: contact.relation.trim() } : {}),
    }));
  const body = {
    name: $('resident-name').value.trim(),
    address: $('resident-address').value.trim(),
    homeCareTeamId: $('resident-team').value || null,
    keyBox: textOrNull(form, 'keyBox'),
    doorCodeHint: textOrNull(form, 'doorCodeHint'),
    accessNote: textOrNull(form, 'accessNote'),
    careNote: textOrNull(form, 'careNote'),
    contacts,
  };
  try {
    if (data.resident) {
      await api('PATCH', `/api/residents/${data.resident.id}`, body);
      say(t('resident.saved'));
      data.draftContacts = undefined;
      await navigate({ focus: false });
      $('resident-save')?.focus();
    } else {
      const created = await api('POST', '/api/residents', { ...body, municipalityId: state.actor.municipalityId });
      say(t('resident.created', { name: created.name }));
      location.hash = `#resident/${created.id}`;
    }
  } catch (error) {
    if (error.status !== 401) showErrors(form, error, t('error.field'));
  }
}

function residentDevices(data) {
  const rows = data.devices.map((device) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('code', {}, device.id)),
      h('td', {}, i18n.deviceKind(device.kind)),
      h('td', {}, i18n.deviceState(device.state)),
      h('td', {}, device.serialNumber),
    ),
  );
  const onboardForm = h('form', { id: 'onboard-form', novalidate: true, class: 'inline-form' }, formError());
  if (data.stock.length) {
    onboardForm.append(
      field({
        id: 'onboard-device',
        path: 'deviceId',
        label: t('onboard.device'),
        control: 'select',
        options: data.stock.map((device) => [
          device.id,
          `${device.id} · ${i18n.deviceKind(device.kind)} · ${device.serialNumber}`,
        ]),
      }),
      h('input', { type: 'hidden', id: 'onboard-resident', dataset: { path: 'residentId' }, value: data.resident.id }),
      h('button', { type: 'submit', class: 'primary', id: 'onboard-button' }, t('onboard.submit')),
    );
  } else {
    onboardForm.append(
      h('p', { class: 'help' }, t('onboard.noStock'), ' ', h('a', { href: '#devices' }, t('onboard.toDevices'))),
    );
  }
  onboardForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(onboardForm);
    const deviceId = $('onboard-device').value;
    try {
      const answer = await api('POST', `/api/devices/${encodeURIComponent(deviceId)}/onboard`, {
        residentId: data.resident.id,
      });
      state.secret = { ...answer, residentName: data.resident.name, action: 'onboarded' };
      await navigate({ focus: false });
      $('secret-heading')?.focus();
    } catch (error) {
      if (error.status !== 401) showErrors(onboardForm, error, t('error.field'));
    }
  });
  return h(
    'section',
    { class: 'subpanel', 'aria-labelledby': 'resident-devices-heading' },
    h('h3', { id: 'resident-devices-heading' }, t('residentDevices.heading')),
    state.secret ? secretPanel(state.secret) : null,
    data.devices.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'grid' },
            h('caption', { class: 'visually-hidden' }, t('residentDevices.heading')),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['devices.id', 'devices.kind', 'devices.state', 'devices.serial'].map((key) =>
                  h('th', { scope: 'col' }, t(key)),
                ),
              ),
            ),
            h('tbody', {}, rows),
          ),
        )
      : h('p', { class: 'empty' }, t('residentDevices.none')),
    h('h4', {}, t('onboard.heading')),
    onboardForm,
  );
}

/** The secret of an onboarding or rotation: this once, with a copy button and a QR code. */
function secretPanel(secret) {
  const copyStatus = h('span', { id: 'copy-status', role: 'status' });
  return h(
    'div',
    { class: 'secret', id: 'secret-panel' },
    h('h4', { id: 'secret-heading', tabindex: '-1' }, t('secret.heading', { device: secret.device.id })),
    h('p', { class: 'warning' }, t('secret.once')),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('secret.username')),
      h('dd', {}, h('code', { id: 'secret-device' }, secret.device.id)),
      h('dt', {}, t('secret.password')),
      h('dd', {}, h('code', { id: 'secret-value' }, secret.secret)),
    ),
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          id: 'copy-secret',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(secret.secret);
              copyStatus.textContent = t('secret.copied');
            } catch {
              const range = document.createRange();
              range.selectNodeContents($('secret-value'));
              getSelection().removeAllRanges();
              getSelection().addRange(range);
              copyStatus.textContent = t('secret.copyManually');
            }
          },
        },
        t('secret.copy'),
      ),
      ' ',
      copyStatus,
    ),
    h('img', {
      class: 'qr',
      id: 'secret-qr',
      width: 200,
      height: 200,
      alt: t('secret.qrAlt', { device: secret.device.id }),
      src: `data:image/svg+xml;base64,${btoa(secret.provisioningQrSvg)}`,
    }),
    h('p', { class: 'help' }, t('secret.simulate')),
    h(
      'pre',
      { class: 'command' },
      h(
        'code',
        { id: 'simulate-command' },
        `npm run simulate -- --device ${secret.device.id} --password ${secret.secret}`,
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'secret-done',
        onclick: () => {
          state.secret = null;
          render();
          say(t('secret.hidden'));
          $('resident-devices-heading')?.setAttribute('tabindex', '-1');
          $('resident-devices-heading')?.focus();
        },
      },
      t('secret.done'),
    ),
  );
}

// Alarm rules of the resident: night window, open-door limit, safe zones on the map

function ruleChoice(own, key) {
  if (own[key] === undefined) return 'default';
  return own[key] === null ? 'off' : 'own';
}

function alarmRules(data) {
  const own = data.rules.own;
  const defaults = data.rules.municipalityDefaults;
  const form = h('form', { id: 'rules-form', novalidate: true, class: 'stack' }, formError());
  const choiceOptions = (defaultText) => [
    ['default', t('rules.followDefault', { value: defaultText })],
    ['off', t('rules.off')],
    ['own', t('rules.own')],
  ];
  const night = own.doorNightWindow ?? defaults.doorNightWindow ?? { start: '23:00', end: '06:00' };
  const limit = own.doorOpenLimitMinutes ?? defaults.doorOpenLimitMinutes ?? 15;
  form.append(
    h(
      'fieldset',
      {},
      h('legend', {}, t('rules.nightWindow')),
      h('p', { class: 'help' }, t('rules.nightWindowHelp')),
      field({
        id: 'night-choice',
        path: 'doorNightWindow.choice',
        label: t('rules.choice'),
        control: 'select',
        value: ruleChoice(own, 'doorNightWindow'),
        options: choiceOptions(windowText(defaults.doorNightWindow)),
      }),
      h(
        'div',
        { class: 'pair' },
        field({
          id: 'night-start',
          path: 'doorNightWindow.start',
          label: t('rules.start'),
          value: night.start,
          type: 'text',
          attrs: { inputmode: 'numeric', autocomplete: 'off' },
        }),
        field({
          id: 'night-end',
          path: 'doorNightWindow.end',
          label: t('rules.end'),
          value: night.end,
          type: 'text',
          attrs: { inputmode: 'numeric', autocomplete: 'off' },
        }),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('rules.doorOpen')),
      field({
        id: 'door-choice',
        path: 'doorOpenLimitMinutes.choice',
        label: t('rules.choice'),
        control: 'select',
        value: ruleChoice(own, 'doorOpenLimitMinutes'),
        options: choiceOptions(minutesText(defaults.doorOpenLimitMinutes)),
      }),
      field({
        id: 'door-minutes',
        path: 'doorOpenLimitMinutes',
        label: t('rules.minutes'),
        value: String(limit),
        type: 'number',
        attrs: { min: 1, max: 1440, inputmode: 'numeric' },
      }),
    ),
    zonesFieldset(data),
    h('button', { type: 'submit', class: 'primary', id: 'rules-save' }, t('rules.save')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (state.zoneMap?.drawing) state.zoneMap.cancel();
    const body = { safeZones: readZones(data) };
    const nightChoice = $('night-choice').value;
    if (nightChoice !== 'default')
      body.doorNightWindow =
        nightChoice === 'off' ? null : { start: $('night-start').value, end: $('night-end').value };
    const doorChoice = $('door-choice').value;
    if (doorChoice !== 'default')
      body.doorOpenLimitMinutes = doorChoice === 'off' ? null : numberOrText($('door-minutes').value);
    try {
      data.rules = await api('PUT', `/api/residents/${data.resident.id}/alarm-rules`, body);
      data.zones = structuredClone(data.rules.own.safeZones ?? []);
      render();
      say(t('rules.saved'));
      $('effective-heading')?.focus();
    } catch (error) {
      if (error.status !== 401) showErrors(form, error, t('error.field'));
    }
  });
  return h(
    'section',
    { class: 'subpanel', 'aria-labelledby': 'rules-heading' },
    h('h3', { id: 'rules-heading' }, t('rules.heading')),
    form,
    effectiveRules(data.rules.effective),
  );
}

function effectiveRules(effective) {
  return h(
    'div',
    { class: 'effective', id: 'effective' },
    h('h4', { id: 'effective-heading', tabindex: '-1' }, t('rules.effective')),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('rules.nightWindow')),
      h('dd', { id: 'effective-night' }, windowText(effective.doorNightWindow)),
      h('dt', {}, t('rules.doorOpen')),
      h('dd', { id: 'effective-door' }, minutesText(effective.doorOpenLimitMinutes)),
      h('dt', {}, t('zones.heading')),
      h(
        'dd',
        { id: 'effective-zones' },
        effective.safeZones.length ? effective.safeZones.map((zone) => zone.name).join(', ') : t('zones.none'),
      ),
    ),
  );
}

function windowText(window) {
  return window ? t('rules.window', { start: window.start, end: window.end }) : t('rules.offShort');
}

function minutesText(minutes) {
  return minutes ? t('rules.minutesValue', { minutes }) : t('rules.offShort');
}

function numberOrText(value) {
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) ? number : value;
}

function zonesFieldset(data) {
  const mapBox = h('div', { id: 'zone-map', class: 'zone-map', 'aria-describedby': 'map-help' });
  const list = h(
    'ol',
    { id: 'zones', class: 'zones' },
    data.zones.map((zone, index) => zoneRow(data, zone, index)),
  );
  const drawStatus = h('p', { id: 'draw-status', class: 'help', role: 'status' });
  afterRenderHooks.push(() => {
    state.zoneMap = createZoneMap(mapBox, {
      tileUrl: state.settings.tileUrl,
      attribution: state.settings.attribution,
      zoomInLabel: t('map.zoomIn'),
      zoomOutLabel: t('map.zoomOut'),
    });
    state.zoneMap.show(data.zones);
    if (!state.settings.tileUrl) drawStatus.textContent = t('map.noTiles');
  });
  const startDrawing = (kind) => {
    syncZones(data);
    state.zoneMap.draw(kind, (geometry) => {
      data.zones.push({ name: t('zones.defaultName', { n: data.zones.length + 1 }), ...geometry });
      $('finish-area').hidden = true;
      redrawZones(data, data.zones.length - 1);
      say(t('zones.drawn'));
    });
    $('finish-area').hidden = kind !== 'polygon';
    drawStatus.textContent = kind === 'circle' ? t('zones.drawCircleHelp') : t('zones.drawAreaHelp');
  };
  return h(
    'fieldset',
    { id: 'zones-fieldset' },
    h('legend', {}, t('zones.heading')),
    h('p', { class: 'help', id: 'map-help' }, t('zones.help')),
    h(
      'div',
      { class: 'row-actions' },
      h('button', { type: 'button', id: 'draw-circle', onclick: () => startDrawing('circle') }, t('zones.drawCircle')),
      h('button', { type: 'button', id: 'draw-area', onclick: () => startDrawing('polygon') }, t('zones.drawArea')),
      h(
        'button',
        {
          type: 'button',
          id: 'finish-area',
          hidden: true,
          onclick: () => {
            if (!state.zoneMap.finishArea()) say(t('zones.tooFewCorners'));
            $('finish-area').hidden = true;
          },
        },
        t('zones.finishArea'),
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'add-zone',
          onclick: () => {
            syncZones(data);
            const center = state.zoneMap.map.getCenter();
            data.zones.push({
              kind: 'circle',
              name: t('zones.defaultName', { n: data.zones.length + 1 }),
              center: { lat: round6(center.lat), lon: round6(center.lng) },
              radiusMeters: 200,
            });
            redrawZones(data, data.zones.length - 1);
          },
        },
        t('zones.addTyped'),
      ),
    ),
    drawStatus,
    mapBox,
    list,
  );
}

function round6(value) {
  return Math.round(value * 1e6) / 1e6;
}

function zoneRow(data, zone, index) {
  const n = index + 1;
  const changed = () => {
    syncZones(data);
    state.zoneMap?.show(data.zones, { fit: false });
  };
  const geometry =
    zone.kind === 'circle'
      ? [
          field({
            id: `zone-${index}-lat`,
            path: `safeZones.${index}.center.lat`,
            label: t('zones.lat'),
            value: zone.center?.lat,
            type: 'text',
            attrs: { inputmode: 'decimal' },
          }),
          field({
            id: `zone-${index}-lon`,
            path: `safeZones.${index}.center.lon`,
            label: t('zones.lon'),
            value: zone.center?.lon,
            type: 'text',
            attrs: { inputmode: 'decimal' },
          }),
          field({
            id: `zone-${index}-radius`,
            path: `safeZones.${index}.radiusMeters`,
            label: t('zones.radius'),
            value: zone.radiusMeters,
            type: 'text',
            attrs: { inputmode: 'decimal' },
          }),
        ]
      : [
          field({
            id: `zone-${index}-points`,
            path: `safeZones.${index}.points`,
            label: t('zones.points'),
            help: t('zones.pointsHelp'),
            control: 'textarea',
            value: (zone.points ?? []).map((point) => `${point.lat}, ${point.lon}`).join('\n'),
          }),
        ];
  const row = h(
    'li',
    { class: 'zone' },
    h(
      'fieldset',
      {},
      h('legend', {}, t(zone.kind === 'circle' ? 'zones.circleNumber' : 'zones.areaNumber', { n })),
      field({ id: `zone-${index}-name`, path: `safeZones.${index}.name`, label: t('zones.name'), value: zone.name }),
      geometry,
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          id: `zone-${index}-remove`,
          onclick: () => {
            syncZones(data);
            data.zones.splice(index, 1);
            redrawZones(data, -1);
            say(t('zones.removed'));
          },
        },
        t('zones.remove', { n }),
      ),
    ),
  );
  row.addEventListener('change', changed);
  return row;
}

/** Reads what is typed in the zones' fields into data.zones (numbers where they parse). */
function syncZones(data) {
  data.zones = data.zones.map((zone, index) => {
    const value = (suffix) => $(`zone-${index}-${suffix}`)?.value ?? '';
    const name = value('name');
    if (zone.kind === 'circle')
      return {
        kind: 'circle',
        name,
        center: { lat: numberOrText(value('lat')), lon: numberOrText(value('lon')) },
        radiusMeters: numberOrText(value('radius')),
      };
    const points = value('points')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const [lat, lon] = line.split(/[,;\s]+/);
        return { lat: numberOrText(lat ?? ''), lon: numberOrText(lon ?? '') };
      });
    return { kind: 'polygon', name, points };
  });
}

function readZones(data) {
  syncZones(data);
  return data.zones;
}

function redrawZones(data, focusIndex) {
  $('zones').replaceChildren(...data.zones.map((zone, index) => zoneRow(data, zone, index)));
  state.zoneMap?.show(data.zones, { fit: false });
  if (focusIndex >= 0) $(`zone-${focusIndex}-name`)?.focus();
  else $('draw-circle')?.focus();
}

function accessLog(data) {
  return h(
    'section',
    { class: 'subpanel', 'aria-labelledby': 'access-log-heading' },
    h('h3', { id: 'access-log-heading' }, t('accessLog.heading')),
    h('p', { class: 'help' }, t('accessLog.help')),
    data.accessLog.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'grid', id: 'access-log' },
            h('caption', { class: 'visually-hidden' }, t('accessLog.heading')),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['accessLog.at', 'accessLog.who', 'accessLog.roles', 'accessLog.what'].map((key) =>
                  h('th', { scope: 'col' }, t(key)),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              data.accessLog.map((entry) =>
                h(
                  'tr',
                  {},
                  h('td', {}, i18n.dateTime(entry.at)),
                  h('td', {}, `${entry.actorName} (${entry.actorSubject})`),
                  h(
                    'td',
                    {},
                    entry.actorRoles
                      .split(',')
                      .map((role) => roleLabel(role.trim()))
                      .join(', '),
                  ),
                  h('td', {}, actionLabel(entry.action)),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'empty' }, t('accessLog.none')),
  );
}

function actionLabel(action) {
  const key = `access.${action}`;
  return key in i18n.messages ? t(key) : action;
}

function roleLabel(role) {
  const key = `role.${role}`;
  return key in i18n.messages ? t(key) : role;
}

function deletion(data) {
  const asking = state.confirm?.action === 'delete-resident';
  const error = formError();
  error.id = 'delete-error';
  return h(
    'section',
    { class: 'subpanel danger', 'aria-labelledby': 'delete-heading' },
    h('h3', { id: 'delete-heading' }, t('delete.heading')),
    h('p', {}, t('delete.what')),
    h(
      'ul',
      {},
      h('li', {}, t('delete.registry')),
      h('li', {}, t('delete.centre')),
      h('li', {}, t('delete.accessLog')),
      h('li', {}, t('delete.alarms')),
    ),
    h('p', {}, t('delete.devices')),
    error,
    asking
      ? h(
          'div',
          { class: 'confirm', role: 'group', 'aria-labelledby': 'delete-confirm-text' },
          h(
            'p',
            { id: 'delete-confirm-text', tabindex: '-1' },
            t('delete.confirm', { name: data.resident.name, address: data.resident.address }),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              id: 'delete-yes',
              onclick: async () => {
                try {
                  await api('DELETE', `/api/residents/${data.resident.id}`);
                  state.confirm = null;
                  say(t('delete.done', { name: data.resident.name }));
                  location.hash = '#residents';
                } catch (failure) {
                  if (failure.status === 401) return;
                  state.confirm = null;
                  render();
                  const box = $('delete-error');
                  box.textContent =
                    failure.status === 409 ? t('delete.hasDevices') : `${t('error.field')} ${failure.message}`;
                  box.hidden = false;
                  box.focus();
                }
              },
            },
            t('delete.yes'),
          ),
          ' ',
          h(
            'button',
            {
              type: 'button',
              id: 'delete-no',
              onclick: () => ((state.confirm = null), render(), $('delete-resident')?.focus()),
            },
            t('delete.no'),
          ),
        )
      : h(
          'button',
          {
            type: 'button',
            class: 'danger',
            id: 'delete-resident',
            onclick: () => {
              state.confirm = { action: 'delete-resident' };
              render();
              $('delete-confirm-text')?.focus();
            },
          },
          t('delete.button'),
        ),
  );
}

// ---------------------------------------------------------------------------------------------
// Devices: by state, create, rotate and retire with a confirmation naming the resident

async function loadDevices() {
  const devices = await api('GET', '/api/devices');
  const residentIds = [...new Set(devices.map((device) => device.residentId).filter(Boolean))];
  const residents = new Map();
  if (residentIds.length) {
    const list = await api('GET', '/api/residents?limit=500');
    for (const resident of list) residents.set(resident.id, resident);
  }
  return { devices, residents };
}

function renderDevices(data) {
  const form = h('form', { id: 'device-form', novalidate: true, class: 'stack narrow' }, formError());
  form.append(
    h(
      'fieldset',
      {},
      h('legend', {}, t('devices.new')),
      field({
        id: 'device-id',
        path: 'id',
        label: t('devices.id'),
        help: t('devices.idHelp'),
        attrs: { autocomplete: 'off', 'aria-required': 'true' },
      }),
      field({
        id: 'device-serial',
        path: 'serialNumber',
        label: t('devices.serial'),
        attrs: { autocomplete: 'off', 'aria-required': 'true' },
      }),
      field({
        id: 'device-kind',
        path: 'kind',
        label: t('devices.kind'),
        control: 'select',
        options: DEVICE_KINDS.map((kind) => [kind, i18n.deviceKind(kind)]),
      }),
      field({
        id: 'device-heartbeat',
        path: 'heartbeatIntervalSeconds',
        label: t('devices.heartbeat'),
        help: t('devices.heartbeatHelp'),
        type: 'number',
        attrs: { min: 10, max: 86400, inputmode: 'numeric' },
      }),
      h('button', { type: 'submit', class: 'primary', id: 'device-create' }, t('devices.create')),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const heartbeat = $('device-heartbeat').value.trim();
    const body = {
      id: $('device-id').value.trim(),
      serialNumber: $('device-serial').value.trim(),
      kind: $('device-kind').value,
      ...(heartbeat ? { heartbeatIntervalSeconds: numberOrText(heartbeat) } : {}),
    };
    try {
      const created = await api('POST', '/api/devices', body);
      say(t('devices.created', { id: created.id }));
      for (const id of ['device-id', 'device-serial', 'device-heartbeat']) $(id).value = '';
      state.view.data = await loadDevices();
      render();
      $('device-id')?.focus();
    } catch (error) {
      if (error.status !== 401) showErrors(form, error, t('error.field'));
    }
  });
  const residentOf = (device) => data.residents.get(device.residentId);
  const sections = DEVICE_STATES.map((deviceState) => {
    const devices = data.devices.filter((device) => device.state === deviceState);
    const headingId = `devices-${deviceState}-heading`;
    return h(
      'section',
      { class: 'subpanel', 'aria-labelledby': headingId },
      h('h3', { id: headingId }, `${i18n.deviceState(deviceState)} (${devices.length})`),
      devices.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'grid', id: `devices-${deviceState}` },
              h('caption', { class: 'visually-hidden' }, i18n.deviceState(deviceState)),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...[
                    'devices.id',
                    'devices.kind',
                    'devices.serial',
                    'devices.resident',
                    ...(deviceState === 'active' ? ['devices.actions'] : []),
                  ].map((key) => h('th', { scope: 'col' }, t(key))),
                ),
              ),
              h(
                'tbody',
                {},
                devices.map((device) => {
                  const resident = residentOf(device);
                  return h(
                    'tr',
                    {},
                    h('th', { scope: 'row' }, h('code', {}, device.id)),
                    h('td', {}, i18n.deviceKind(device.kind)),
                    h('td', {}, device.serialNumber),
                    h(
                      'td',
                      {},
                      resident
                        ? h('a', { href: `#resident/${resident.id}` }, resident.name)
                        : device.residentId
                          ? '—'
                          : t('devices.noResident'),
                    ),
                    deviceState === 'active'
                      ? h(
                          'td',
                          {},
                          h(
                            'button',
                            {
                              type: 'button',
                              class: 'small',
                              id: `rotate-${device.id}`,
                              onclick: () => askDevice('rotate', device, resident),
                            },
                            t('devices.rotate'),
                          ),
                          ' ',
                          h(
                            'button',
                            {
                              type: 'button',
                              class: 'small danger',
                              id: `retire-${device.id}`,
                              onclick: () => askDevice('retire', device, resident),
                            },
                            t('devices.retire'),
                          ),
                        )
                      : null,
                  );
                }),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('devices.noneIn')),
    );
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'devices-heading' },
    h('h2', { id: 'devices-heading', tabindex: '-1' }, t('devices.heading')),
    state.secret ? secretPanel(state.secret) : null,
    state.confirm?.deviceId ? deviceConfirmation() : null,
    form,
    sections,
  );
}

function askDevice(action, device, resident) {
  state.confirm = {
    action,
    deviceId: device.id,
    residentName: resident?.name ?? '—',
    address: resident?.address ?? '',
  };
  render();
  $('device-confirm-text')?.focus();
}

function deviceConfirmation() {
  const { action, deviceId, residentName, address } = state.confirm;
  const error = formError();
  error.id = 'device-confirm-error';
  return h(
    'div',
    { class: 'confirm', role: 'group', 'aria-labelledby': 'device-confirm-text', id: 'device-confirm' },
    h(
      'p',
      { id: 'device-confirm-text', tabindex: '-1' },
      t(action === 'retire' ? 'devices.confirmRetire' : 'devices.confirmRotate', {
        device: deviceId,
        name: residentName,
        address,
      }),
    ),
    error,
    h(
      'button',
      {
        type: 'button',
        class: action === 'retire' ? 'danger' : 'primary',
        id: 'device-confirm-yes',
        onclick: async () => {
          try {
            const answer = await api(
              'POST',
              `/api/devices/${encodeURIComponent(deviceId)}/${action === 'retire' ? 'retire' : 'rotate-secret'}`,
            );
            state.confirm = null;
            if (action === 'rotate') state.secret = { ...answer, residentName, action: 'rotated' };
            say(
              t(action === 'retire' ? 'devices.retired' : 'devices.rotated', { device: deviceId, name: residentName }),
            );
            state.view.data = await loadDevices();
            render();
            (action === 'rotate' ? $('secret-heading') : $('devices-heading'))?.focus();
          } catch (failure) {
            if (failure.status === 401) return;
            error.textContent = `${t('error.field')} ${failure.message}`;
            error.hidden = false;
            error.focus();
          }
        },
      },
      t(action === 'retire' ? 'devices.yesRetire' : 'devices.yesRotate'),
    ),
    ' ',
    h(
      'button',
      {
        type: 'button',
        id: 'device-confirm-no',
        onclick: () => ((state.confirm = null), render(), $(`${action}-${deviceId}`)?.focus()),
      },
      t('delete.no'),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The municipality's alarm rule defaults

function renderDefaults(defaults) {
  const form = h('form', { id: 'defaults-form', novalidate: true, class: 'stack narrow' }, formError());
  const onOff = [
    ['off', t('rules.off')],
    ['on', t('rules.on')],
  ];
  form.append(
    h(
      'fieldset',
      {},
      h('legend', {}, t('rules.nightWindow')),
      h('p', { class: 'help' }, t('rules.nightWindowHelp')),
      field({
        id: 'defaults-night-choice',
        path: 'doorNightWindow.choice',
        label: t('rules.choice'),
        control: 'select',
        value: defaults.doorNightWindow ? 'on' : 'off',
        options: onOff,
      }),
      h(
        'div',
        { class: 'pair' },
        field({
          id: 'defaults-night-start',
          path: 'doorNightWindow.start',
          label: t('rules.start'),
          value: defaults.doorNightWindow?.start ?? '23:00',
          type: 'text',
          attrs: { inputmode: 'numeric', autocomplete: 'off' },
        }),
        field({
          id: 'defaults-night-end',
          path: 'doorNightWindow.end',
          label: t('rules.end'),
          value: defaults.doorNightWindow?.end ?? '06:00',
          type: 'text',
          attrs: { inputmode: 'numeric', autocomplete: 'off' },
        }),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('rules.doorOpen')),
      field({
        id: 'defaults-door-choice',
        path: 'doorOpenLimitMinutes.choice',
        label: t('rules.choice'),
        control: 'select',
        value: defaults.doorOpenLimitMinutes ? 'on' : 'off',
        options: onOff,
      }),
      field({
        id: 'defaults-door-minutes',
        path: 'doorOpenLimitMinutes',
        label: t('rules.minutes'),
        value: String(defaults.doorOpenLimitMinutes ?? 15),
        type: 'number',
        attrs: { min: 1, max: 1440, inputmode: 'numeric' },
      }),
    ),
    h('button', { type: 'submit', class: 'primary', id: 'defaults-save' }, t('rules.save')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = {
      doorNightWindow:
        $('defaults-night-choice').value === 'on'
          ? { start: $('defaults-night-start').value, end: $('defaults-night-end').value }
          : null,
      doorOpenLimitMinutes:
        $('defaults-door-choice').value === 'on' ? numberOrText($('defaults-door-minutes').value) : null,
    };
    try {
      state.view.data = await api('PUT', `/api/municipalities/${state.actor.municipalityId}/alarm-rule-defaults`, body);
      say(t('rules.saved'));
      render();
      $('defaults-save')?.focus();
    } catch (error) {
      if (error.status !== 401) showErrors(form, error, t('error.field'));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'defaults-heading' },
    h('h2', { id: 'defaults-heading', tabindex: '-1' }, t('defaults.heading')),
    h('p', {}, t('defaults.help')),
    form,
  );
}

// ---------------------------------------------------------------------------------------------
// Home-care teams

async function loadTeams() {
  state.teams = await api('GET', `/api/home-care-teams?municipalityId=${state.actor.municipalityId}`);
  return { teams: state.teams };
}

function renderTeams({ teams }) {
  const form = h('form', { id: 'team-form', novalidate: true, class: 'inline-form' }, formError());
  form.append(
    field({
      id: 'team-name',
      path: 'name',
      label: t('teams.name'),
      attrs: { autocomplete: 'off', 'aria-required': 'true' },
    }),
    h('button', { type: 'submit', class: 'primary', id: 'team-create' }, t('teams.create')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const team = await api('POST', '/api/home-care-teams', {
        municipalityId: state.actor.municipalityId,
        name: $('team-name').value.trim(),
      });
      $('team-name').value = '';
      say(t('teams.created', { name: team.name }));
      state.view.data = await loadTeams();
      render();
      $('team-name')?.focus();
    } catch (error) {
      if (error.status !== 401) showErrors(form, error, t('error.field'));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'teams-heading' },
    h('h2', { id: 'teams-heading', tabindex: '-1' }, t('teams.heading')),
    teams.length
      ? h(
          'ul',
          { id: 'teams', class: 'plain-list' },
          teams.map((team) => h('li', {}, team.name)),
        )
      : h('p', { class: 'empty' }, t('teams.none')),
    h('h3', {}, t('teams.new')),
    form,
  );
}

// ---------------------------------------------------------------------------------------------
// CSV import: upload, live progress (NDJSON), per-row errors, the credentials file once

function renderImport() {
  const imp = state.importState;
  const form = h('form', { id: 'import-form', novalidate: true, class: 'stack narrow' }, formError());
  form.append(
    h('p', { class: 'help', id: 'import-columns' }, t('import.columns')),
    field({
      id: 'import-file',
      path: 'file',
      label: t('import.file'),
      type: 'file',
      attrs: { accept: '.csv,text/csv' },
    }),
    field({
      id: 'import-mode',
      path: 'mode',
      label: t('import.mode'),
      control: 'select',
      value: 'skip-bad-rows',
      options: [
        ['skip-bad-rows', t('import.skipBadRows')],
        ['all-or-nothing', t('import.allOrNothing')],
      ],
    }),
    h('button', { type: 'submit', class: 'primary', id: 'import-start', disabled: imp?.running }, t('import.start')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void runImport(form);
  });
  const parts = [h('h2', { id: 'import-heading', tabindex: '-1' }, t('import.heading')), form];
  if (imp) {
    parts.push(
      h(
        'div',
        { class: 'subpanel', id: 'import-progress-box' },
        h('label', { for: 'import-progress' }, t('import.progress')),
        h('progress', { id: 'import-progress', max: imp.total || 1, value: imp.done }),
        h(
          'p',
          { id: 'import-progress-text', role: 'status' },
          imp.report
            ? t('import.finished', {
                applied: imp.report.applied,
                rows: imp.report.rows,
                errors: imp.report.errors.length,
              })
            : t('import.rowsDone', { done: imp.done, total: imp.total || '…' }),
        ),
        imp.report?.rolledBack ? h('p', { class: 'warning' }, t('import.rolledBack')) : null,
        imp.failure ? h('p', { class: 'form-error', role: 'alert' }, imp.failure) : null,
      ),
    );
    if (imp.report?.errors.length)
      parts.push(
        h(
          'section',
          { class: 'subpanel', 'aria-labelledby': 'import-errors-heading' },
          h('h3', { id: 'import-errors-heading' }, t('import.errors', { count: imp.report.errors.length })),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'grid', id: 'import-errors' },
              h('caption', { class: 'visually-hidden' }, t('import.errors', { count: imp.report.errors.length })),
              h(
                'thead',
                {},
                h('tr', {}, h('th', { scope: 'col' }, t('import.line')), h('th', { scope: 'col' }, t('import.reason'))),
              ),
              h(
                'tbody',
                {},
                imp.report.errors.map((error) =>
                  h('tr', {}, h('td', {}, String(error.line)), h('td', {}, error.reason)),
                ),
              ),
            ),
          ),
        ),
      );
    if (state.credentials)
      parts.push(
        h(
          'div',
          { class: 'secret', id: 'credentials' },
          h('p', { class: 'warning' }, t('import.credentialsOnce', { count: state.credentials.count })),
          h(
            'a',
            {
              href: state.credentials.url,
              download: state.credentials.name,
              id: 'credentials-download',
              class: 'button-link',
              onclick: () =>
                setTimeout(() => {
                  URL.revokeObjectURL(state.credentials.url);
                  state.credentials = null;
                  render();
                  say(t('import.credentialsGone'));
                  $('import-heading')?.focus();
                }, 500),
            },
            t('import.download'),
          ),
        ),
      );
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'import-heading' }, parts);
}

async function runImport(form) {
  clearErrors(form);
  const file = $('import-file').files[0];
  if (!file) {
    $('import-file-error').textContent = t('import.noFile');
    $('import-file-error').hidden = false;
    $('import-file').setAttribute('aria-invalid', 'true');
    return $('import-file').focus();
  }
  if (state.credentials) URL.revokeObjectURL(state.credentials.url);
  state.credentials = null;
  state.importState = { running: true, done: 0, total: 0, report: null, failure: null };
  render();
  const mode = $('import-mode').value;
  try {
    const response = await fetch(`/api/imports?mode=${encodeURIComponent(mode)}`, {
      method: 'POST',
      headers: headersFor('POST', { 'content-type': 'text/csv', accept: 'application/x-ndjson' }),
      body: await file.text(),
      credentials: 'same-origin',
    });
    if (response.status === 401) return sessionExpired();
    if (!response.headers.get('content-type')?.includes('ndjson')) {
      const json = await response.json().catch(() => null);
      state.importState.running = false;
      render();
      // A refusal of the whole file (not CSV, a header problem, too many rows) or of the mode.
      return showErrors(
        $('import-form'),
        new ApiError(response.status, `HTTP ${response.status}`, json),
        t('error.field'),
      );
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    let lastAnnounced = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines.filter(Boolean)) {
        const message = JSON.parse(line);
        if (message.progress) {
          Object.assign(state.importState, message.progress);
          const bar = $('import-progress');
          if (bar) {
            bar.max = message.progress.total;
            bar.value = message.progress.done;
          }
          const text = $('import-progress-text');
          const share = message.progress.done / message.progress.total;
          // Read out now and then, not at every row.
          if (text && (share - lastAnnounced >= 0.25 || message.progress.done === message.progress.total)) {
            lastAnnounced = share;
            text.textContent = t('import.rowsDone', { done: message.progress.done, total: message.progress.total });
          }
        } else if (message.report) {
          state.importState.report = message.report;
        } else if (message.error) {
          state.importState.failure = message.error;
        }
      }
    }
  } catch (error) {
    state.importState.failure = error.message;
  }
  state.importState.running = false;
  const created = state.importState.report?.created ?? [];
  if (created.length && !state.importState.report.rolledBack) state.credentials = credentialsFile(created);
  render();
  $('import-progress-text')?.focus?.();
}

/** The devices' secrets as a CSV file in the browser's memory: offered once, gone after the download. */
function credentialsFile(created) {
  const lines = [
    'line,device_id,mqtt_username,mqtt_password,resident_id',
    ...created.map((row) => [row.line, row.deviceId, row.deviceId, row.secret, row.residentId].join(',')),
  ];
  const blob = new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' });
  return {
    url: URL.createObjectURL(blob),
    name: `device-credentials-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`,
    count: created.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Sign-in, status, errors

function say(text) {
  const region = $('status');
  region.textContent = '';
  setTimeout(() => (region.textContent = text), 50);
}

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = false;
}

function hideError() {
  $('error').hidden = true;
}

/** Signed in: the view open when the last session ended, or the one a link pointed at (`reopen`), again. */
function signedIn(session, reopen) {
  state.actor = session.actor;
  // The provider sends the browser back to the path only; the view (#resident/...) is kept here.
  if (reopen && !location.hash) history.replaceState(null, '', `${location.pathname}${reopen}`);
  $('sign-in-button').hidden = true;
  $('sign-out').hidden = false;
  showWho();
  if (!state.actor.roles.includes('municipality-admin') || !state.actor.municipalityId) {
    showError(t('signIn.notAdmin'));
    return;
  }
  $('signed-out').hidden = true;
  $('nav').hidden = false;
  void navigate({ focus: false });
}

function showWho() {
  if (!state.actor) return;
  $('who').textContent = t('signIn.signedInAs', {
    name: state.actor.name,
    roles: state.actor.roles.map(roleLabel).join(', '),
  });
}

/** The session ended: sign in again; the page keeps what is typed (it is not re-rendered). */
function sessionExpired() {
  if (!state.actor) return;
  state.actor = null;
  $('sign-in-button').hidden = false;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  if (location.hash) keepOpenForSignIn(location.hash);
  showError(t('signIn.expired'));
}

async function start() {
  await i18n.use(i18n.language);
  wireLanguagePicker($('language'), i18n, () => {
    showWho();
    if (state.actor && state.view.data) {
      if (state.view.name === 'resident') {
        if ($('contacts')) state.view.data.draftContacts = readContacts();
        if (state.view.data.resident) syncZones(state.view.data);
      }
      render();
    }
  });
  $('sign-in-button').addEventListener('click', goSignIn);
  $('sign-out').addEventListener('click', () => void endSession());
  window.addEventListener('hashchange', () => void navigate());
  try {
    state.settings = await (await fetch('/admin/settings.json', { cache: 'no-cache' })).json();
  } catch {
    state.settings = { tileUrl: '', attribution: '' };
  }
  await startSession({
    signedIn,
    signedOut: showSignedOut,
    checkFailed: (error) => {
      showError(t('signIn.checkFailed', { message: error.message }));
      showSignedOut();
    },
  });
}

function showSignedOut() {
  if (location.hash) keepOpenForSignIn(location.hash);
  $('sign-in-button').hidden = false;
  $('signed-out').hidden = false;
}

await start();
