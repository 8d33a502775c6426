// Drafts per dialog in localStorage, so nothing typed is lost across a
// reconnect, a reload or a crash of the tab. Old drafts are pruned so the
// storage does not grow for ever.
const prefix = 'sb.draft.';
const maxAge = 30 * 86400000;

/** loadDraft returns {text, subject} for a dialog (empty strings when none). */
export function loadDraft(dialogId) {
  try {
    const raw = localStorage.getItem(prefix + dialogId);
    if (raw) {
      const d = JSON.parse(raw);
      return { text: d.text || '', subject: d.subject || '' };
    }
  } catch { /* unreadable draft: start empty */ }
  return { text: '', subject: '' };
}

/** saveDraft stores a draft; an empty one is removed. */
export function saveDraft(dialogId, { text, subject }) {
  try {
    if (!text && !subject) localStorage.removeItem(prefix + dialogId);
    else localStorage.setItem(prefix + dialogId, JSON.stringify({ text, subject, at: Date.now() }));
  } catch { /* storage full or disabled: the text stays in the box */ }
}

/** clearDraft drops a dialog's draft after it was sent. */
export function clearDraft(dialogId) {
  try { localStorage.removeItem(prefix + dialogId); } catch { /* nothing to clear */ }
}

/** pruneDrafts removes drafts untouched for a month. */
export function pruneDrafts() {
  try {
    const now = Date.now();
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i);
      if (!k?.startsWith(prefix)) continue;
      const d = JSON.parse(localStorage.getItem(k) || '{}');
      if (!d.at || now - d.at > maxAge) localStorage.removeItem(k);
    }
  } catch { /* best effort */ }
}
