// The keyboard shortcuts overlay (?).
import { h } from '../dom.js';
import { t } from '../i18n.js';

/** shortcuts lists every shortcut with its i18n key; shortcuts.js implements them. */
export const shortcuts = [
  ['j', 'help.next'], ['k', 'help.prev'], ['1 / 2 / 3', 'help.tabs'],
  ['t', 'help.take'], ['f', 'help.transfer'], ['c', 'help.close'], ['o', 'help.reopen'],
  ['r', 'help.reply'], ['Ctrl/⌘ + Enter', 'help.send'], ['/', 'help.canned'],
  ['s', 'help.search'], ['Esc', 'help.escape'], ['?', 'help.help'],
];

/** openHelp shows the overlay; Escape or the button closes it. */
export function openHelp() {
  if (document.querySelector('[data-testid="help-overlay"]')) return;
  const dlg = h('dialog', { class: 'modal modal-help', 'aria-labelledby': 'help-title', 'data-testid': 'help-overlay' },
    h('h2', { id: 'help-title' }, t('help.title')),
    h('table', { class: 'keys' }, h('tbody', {}, shortcuts.map(([k, label]) => h('tr', {},
      h('td', {}, k.split(' / ').map((x, i) => [i ? ' / ' : '', h('kbd', {}, x)])), h('td', {}, t(label)))))),
    h('div', { class: 'modal-actions' }, h('button', { class: 'btn btn-primary', type: 'button', onclick: () => dlg.close() }, t('action.ok'))));
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}
