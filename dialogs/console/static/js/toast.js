// Short-lived notices in the corner: action errors and confirmations. They
// are announced to screen readers through a polite live region.
import { h, append } from './dom.js';
import { icon } from './icons.js';
import { t } from './i18n.js';

let region = null;

function ensureRegion() {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite', 'data-testid': 'toasts' });
    document.body.append(region);
  }
  return region;
}

/** toast shows text for a few seconds; kind is 'info' | 'error' | 'ok'. */
export function toast(text, kind = 'info', ms = 5000) {
  const el = h('div', { class: `toast toast-${kind}` },
    h('span', { class: 'toast-text' }, text),
    h('button', { class: 'icon-btn', type: 'button', 'aria-label': t('action.dismiss'), onclick: () => el.remove() }, icon('close')));
  append(ensureRegion(), [el]);
  setTimeout(() => el.remove(), ms);
}
