// Drafts per dialog in localStorage, so nothing typed is lost across a
// reconnect, a reload or a crash of the tab. Old drafts are pruned so the
// storage does not grow for ever.
const prefix = 'sb.draft.';
const maxAge = 30 * 86400000;

/**
 * loadDraft returns {text, subject, attachments} for a dialog (empty when
 * none). Attachments are already uploaded files ({key, filename, …}), so
 * keeping their keys is enough to keep them.
 */
export function loadDraft(dialogId) {
  try {
    const raw = localStorage.getItem(prefix + dialogId);
    if (raw) {
      const d = JSON.parse(raw);
      return { text: d.text || '', subject: d.subject || '', attachments: Array.isArray(d.attachments) ? d.attachments : [] };
    }
  } catch { /* unreadable draft: start empty */ }
  return { text: '', subject: '', attachments: [] };
}

/** saveDraft stores a draft; an empty one is removed. */
export function saveDraft(dialogId, { text, subject, attachments = [] }) {
  try {
    if (!text && !subject && !attachments.length) localStorage.removeItem(prefix + dialogId);
    else localStorage.setItem(prefix + dialogId, JSON.stringify({ text, subject, attachments, at: Date.now() }));
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
