// Global keyboard shortcuts. Single keys act only when the focus is not in
// a text field, so typing a reply never triggers them; the composer handles
// its own keys (Ctrl/⌘+Enter, Escape, the "/" popup).
import { isTyping } from './dom.js';
import { state, emit, listDialogs, isSupervisor } from './store/state.js';
import { dialogAction } from './store/actions.js';
import { navigate } from './router.js';
import { focusComposer } from './views/composer.js';
import { openTransfer } from './views/transfer.js';
import { openHelp } from './views/help.js';

function step(dir) {
  const list = listDialogs();
  if (!list.length) return;
  const i = list.findIndex((d) => d.id === state.route.dialogId);
  const next = i < 0 ? list[0] : list[Math.max(0, Math.min(list.length - 1, i + dir))];
  navigate({ page: 'inbox', dialogId: next.id }, { replace: true });
  // Keep the selected item in view.
  requestAnimationFrame(() => document.querySelector(`[data-testid="dialog-item"][data-dialog-id="${next.id}"]`)?.scrollIntoView({ block: 'nearest' }));
}

function current() {
  return state.route.page === 'inbox' ? state.dialogs.get(state.route.dialogId) : null;
}

const keys = {
  j: () => step(1),
  k: () => step(-1),
  t: () => { const d = current(); if (d && d.status !== 'closed' && d.assignee_id !== state.me.id) dialogAction('take', d.id); },
  c: () => { const d = current(); if (d && d.status !== 'closed') dialogAction('close', d.id); },
  o: () => { const d = current(); if (d && d.status === 'closed') dialogAction('reopen', d.id); },
  f: () => { const d = current(); if (d && d.status !== 'closed') openTransfer(d.id); },
  r: () => focusComposer(),
  s: () => document.getElementById('client-search')?.focus(),
  '?': () => openHelp(),
  1: () => emit('select-tab', 'mine'),
  2: () => emit('select-tab', 'queue'),
  3: () => { if (isSupervisor()) emit('select-tab', 'all'); },
};

/** startShortcuts installs the key handler once per page load. */
export function startShortcuts() {
  document.addEventListener('keydown', (ev) => {
    if (!state.me || ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (isTyping(ev.target) || document.querySelector('dialog[open]')) return;
    const fn = keys[ev.key];
    if (!fn) return;
    ev.preventDefault();
    if (state.route.page !== 'inbox' && !['?'].includes(ev.key)) navigate({ page: 'inbox', dialogId: state.route.dialogId });
    fn();
  });
}
