// Canned responses: matching for the composer's "/" popup and filling the
// placeholders. Placeholders are filled on the client so the manager sees
// and can edit the final text before sending.
import { state } from './store/state.js';

/** fillPlaceholders replaces {{client.name}}, {{manager.name}} and {{dialog.id}}. */
export function fillPlaceholders(text, dialog) {
  const values = {
    'client.name': dialog?.client?.name || '',
    'manager.name': state.me ? state.me.name || state.me.login : '',
    'dialog.id': dialog ? String(dialog.id) : '',
  };
  return String(text).replace(/\{\{\s*([\w.]+)\s*\}\}/g, (m, key) => (key in values ? values[key] : m));
}

/** matchCanned filters canned responses by a typed query, shortcut matches first. */
export function matchCanned(list, query) {
  const q = query.toLowerCase();
  const scored = [];
  for (const c of list || []) {
    const sc = (c.shortcut || '').toLowerCase();
    const title = (c.title || '').toLowerCase();
    let score = -1;
    if (!q) score = 1;
    else if (sc === q) score = 4;
    else if (sc.startsWith(q)) score = 3;
    else if (title.startsWith(q)) score = 2;
    else if (sc.includes(q) || title.includes(q) || (c.text || '').toLowerCase().includes(q)) score = 1;
    if (score >= 0) scored.push([score, c]);
  }
  return scored.sort((a, b) => b[0] - a[0] || (a[1].title || '').localeCompare(b[1].title || '')).slice(0, 8).map((x) => x[1]);
}
