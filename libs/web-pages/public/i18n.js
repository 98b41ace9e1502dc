// Languages for both pages: Norwegian bokmål first, English selectable (kept in localStorage).
// Page texts live in each page's message files (messages.nb.json, messages.en.json); the words
// for triggers, handling steps, dispatch statuses and outcomes come from libs/contracts through
// vocabulary.js. Dates and times are always shown in Europe/Oslo, whatever the device's zone.

import { VOCABULARY } from './vocabulary.js';

const LANGUAGE_KEY = 'welfare.language';
export const TIME_ZONE = 'Europe/Oslo';
const LOCALES = { nb: 'nb-NO', en: 'en-GB' };

export function savedLanguage() {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  return VOCABULARY.languages.includes(saved) ? saved : VOCABULARY.languages[0];
}

/**
 * The page's translator. `messagesUrl(language)` says where its message file is. `use()` loads
 * a language, remembers it, and translates the static page (elements with data-i18n="key",
 * data-i18n-aria-label="key", data-i18n-placeholder="key").
 */
export function createI18n(messagesUrl) {
  const i18n = {
    language: savedLanguage(),
    messages: {},
    async use(language) {
      const response = await fetch(messagesUrl(language), { cache: 'no-cache' });
      if (!response.ok) throw new Error(`no messages for ${language}: HTTP ${response.status}`);
      i18n.messages = await response.json();
      i18n.language = language;
      localStorage.setItem(LANGUAGE_KEY, language);
      document.documentElement.lang = language;
      translatePage(i18n);
    },
    /** A page text with {placeholders} filled in; a missing key shows the key (easy to spot). */
    t(key, params = {}) {
      const text = i18n.messages[key] ?? key;
      return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
    },
    trigger: (id) => labelOf(VOCABULARY.triggers, id, i18n.language),
    step: (id) => labelOf(VOCABULARY.steps, id, i18n.language),
    dispatchStatus: (id) => labelOf(VOCABULARY.dispatchStatuses, id, i18n.language),
    outcome: (id) => labelOf(VOCABULARY.outcomes, id, i18n.language),
    deviceKind: (id) => labelOf(VOCABULARY.deviceKinds, id, i18n.language),
    deviceState: (id) => labelOf(VOCABULARY.deviceStates, id, i18n.language),
    /** 14:05 in Oslo. */
    time: (iso) => (iso ? format(iso, i18n.language, { hour: '2-digit', minute: '2-digit' }) : ''),
    /** 06.12.2026, 14:05:09 in Oslo. */
    dateTime: (iso) => (iso ? format(iso, i18n.language, { dateStyle: 'short', timeStyle: 'medium' }) : ''),
  };
  return i18n;
}

/** A label from the shared vocabulary; an id the vocabulary does not know yet is shown as it is. */
function labelOf(table, id, language) {
  return table[id]?.[language] ?? id;
}

function format(iso, language, options) {
  return new Intl.DateTimeFormat(LOCALES[language], { timeZone: TIME_ZONE, ...options }).format(new Date(iso));
}

function translatePage(i18n) {
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = i18n.t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-aria-label]'))
    node.setAttribute('aria-label', i18n.t(node.dataset.i18nAriaLabel));
  for (const node of document.querySelectorAll('[data-i18n-placeholder]'))
    node.setAttribute('placeholder', i18n.t(node.dataset.i18nPlaceholder));
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = title.textContent;
}

/** A language picker (a <select>): shows the saved language, switches on change and calls `changed`. */
export function wireLanguagePicker(select, i18n, changed) {
  select.replaceChildren(
    ...VOCABULARY.languages.map((language) => {
      const option = document.createElement('option');
      option.value = language;
      option.textContent = language === 'nb' ? 'Norsk (bokmål)' : 'English';
      option.lang = language;
      return option;
    }),
  );
  select.value = i18n.language;
  select.addEventListener('change', async () => {
    await i18n.use(select.value);
    changed();
  });
}
