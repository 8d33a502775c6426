// Interface strings. Every visible string goes through t(); the tables live
// in /i18n/<lang>.js. Russian is the default; the choice is kept in
// localStorage. A key missing from English falls back to Russian, then to
// the key itself, so a forgotten translation shows up but breaks nothing.
import ru from '../i18n/ru.js';
import en from '../i18n/en.js';

const tables = { ru, en };
const storageKey = 'sb.lang';

/** languages the console can switch between, in menu order. */
export const languages = [
  { code: 'ru', label: 'Русский' },
  { code: 'en', label: 'English' },
];

let lang = readLang();
let rules = new Intl.PluralRules(lang);

function readLang() {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved && tables[saved]) return saved;
  } catch { /* storage disabled: use the default */ }
  return 'ru';
}

/** getLang is the current interface language code. */
export const getLang = () => lang;

/** setLang switches and remembers the language. */
export function setLang(code) {
  if (!tables[code]) return;
  lang = code;
  rules = new Intl.PluralRules(lang);
  document.documentElement.lang = lang;
  try { localStorage.setItem(storageKey, code); } catch { /* not persisted */ }
}

/**
 * t translates key, filling {name} placeholders from params. A plural entry
 * is an object keyed by Intl.PluralRules categories and picks by params.n.
 */
export function t(key, params = {}) {
  let s = tables[lang][key] ?? tables.ru[key] ?? key;
  if (typeof s === 'object') {
    s = s[rules.select(Number(params.n) || 0)] ?? s.other ?? s.many ?? '';
  }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** errorText turns an API error into a sentence for the manager. */
export function errorText(err) {
  const key = `error.${err?.code}`;
  const s = t(key);
  if (s !== key) return s;
  return err?.message || t('error.generic');
}

document.documentElement.lang = lang;
