// Small DOM helpers of the admin pages: elements, labelled fields, and the API's 4xx shown
// beside the field it concerns. Plain ES module, no build step.

/** An element: h('p', { class: 'help', id: 'x' }, 'text', child, …). `on*` keys add listeners. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/**
 * A labelled field with room for its error: `path` is the API's name for it (contacts.0.phone),
 * so a refusal naming that path is shown right under it. `control` is 'input', 'textarea' or 'select'.
 */
export function field({ id, path, label, value = '', control = 'input', type = 'text', help, options, attrs = {} }) {
  const describedBy = [help ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(' ');
  let input;
  if (control === 'select') {
    input = h(
      'select',
      { id, name: path, 'aria-describedby': describedBy, dataset: { path }, ...attrs },
      options.map(([optionValue, text]) => h('option', { value: optionValue }, text)),
    );
    input.value = value ?? '';
  } else if (control === 'textarea') {
    input = h('textarea', { id, name: path, rows: 3, 'aria-describedby': describedBy, dataset: { path }, ...attrs });
    input.value = value ?? '';
  } else {
    input = h('input', { id, name: path, type, 'aria-describedby': describedBy, dataset: { path }, ...attrs });
    input.value = value ?? '';
  }
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    help ? h('p', { class: 'help', id: `${id}-help` }, help) : null,
    input,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

/** Removes every error shown in the form (before sending it again). */
export function clearErrors(form) {
  for (const error of form.querySelectorAll('.field-error, .form-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** What a refusal's details (beyond its message) say about which field it concerns. */
const DETAIL_FIELDS = {
  homeCareTeamId: 'homeCareTeamId',
  residentId: 'residentId',
  municipalityId: 'municipalityId',
};
const CONSTRAINT_FIELDS = {
  devices_pkey: 'id',
  devices_serial_number_unique: 'serialNumber',
  home_care_teams_name_unique: 'name',
  devices_scaip_identity_unique: 'scaipControllerId',
};

/**
 * Shows an API refusal (an ApiError of live-client.js) beside the fields it names: class-validator's
 * messages start with the field's path (`contacts.0.phone must be …`), the alarm rules' checks
 * with a JSON pointer (`alarmRules/safeZones/0/radiusMeters must be …`), domain errors name the
 * field in their details. What no field claims is shown at the top of the form. Nothing typed is
 * touched. The first field in error gets the focus. `prefix` is the form's text before each message.
 */
export function showErrors(form, error, prefix) {
  clearErrors(form);
  const json = error.json ?? {};
  const messages = Array.isArray(json.message) ? json.message : [json.message ?? error.message];
  const fields = [...form.querySelectorAll('[data-path]')];
  const byPath = (path) => fields.find((input) => input.dataset.path === path);
  const placed = [];
  const leftOver = [];
  for (const message of messages) {
    const text = String(message);
    const pointer = /^(?:alarmRules|alarmRuleDefaults)(\/\S*)?\s/.exec(text);
    const path = pointer ? (pointer[1] ?? '').slice(1).replace(/\//g, '.') : text.split(' ')[0];
    const target = longestPrefix(fields, path);
    if (target) placed.push([target, text]);
    else leftOver.push(text);
  }
  for (const [key, name] of Object.entries(DETAIL_FIELDS)) {
    if (json[key] === undefined || !byPath(name) || placed.length) continue;
    placed.push([byPath(name), leftOver.shift() ?? json.message]);
  }
  const constrained = CONSTRAINT_FIELDS[json.constraint];
  if (constrained && byPath(constrained) && !placed.length) placed.push([byPath(constrained), leftOver.shift()]);
  for (const [input, text] of placed) {
    const box = document.getElementById(`${input.id}-error`);
    box.textContent = box.textContent ? `${box.textContent} ${text}` : `${prefix} ${text}`;
    box.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  }
  const top = form.querySelector('.form-error');
  if (leftOver.length && top) {
    top.textContent = `${prefix} ${leftOver.join('; ')}`;
    top.hidden = false;
  }
  (placed[0]?.[0] ?? top)?.focus();
}

/** The field whose path is the longest prefix of `path` (contacts.0.phone before contacts). */
function longestPrefix(fields, path) {
  let best = null;
  for (const input of fields) {
    const own = input.dataset.path;
    if ((path === own || path.startsWith(`${own}.`)) && (!best || own.length > best.dataset.path.length)) best = input;
  }
  return best;
}

/** A `form-error` box for messages no field claims (role=alert: read out when it appears). */
export function formError() {
  return h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true });
}

/** The value of a text field, or null when empty (the API clears a field sent as null). */
export function textOrNull(form, path) {
  const value = form.querySelector(`[data-path="${path}"]`)?.value.trim() ?? '';
  return value === '' ? null : value;
}
