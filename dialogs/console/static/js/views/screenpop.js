// The screen-pop: an incoming call (call.ringing) shows who is calling, and
// the caller's card opens in the right pane of the inbox.
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n.js';
import { state, on, emit } from '../store/state.js';
import { loadCard } from '../store/actions.js';
import { navigate } from '../router.js';

/** mountScreenPop adds the call area to the shell. */
export function mountScreenPop(shell) {
  const area = h('div', { class: 'screen-pop', 'aria-live': 'assertive', 'data-testid': 'screen-pop' });
  shell.append(area);
  function render() {
    replace(area, state.calls.map(({ call, client }) => h('div', { class: 'call-card', role: 'alert', 'data-testid': 'call-card', 'data-call-id': call.id },
      h('span', { class: 'call-icon' }, icon('phone')),
      h('div', { class: 'call-body' },
        h('div', { class: 'call-title' }, t('call.incoming')),
        h('div', { class: 'call-who' }, client?.name || call.from),
        client?.name ? h('div', { class: 'muted' }, call.from) : null),
      h('div', { class: 'call-actions' },
        client?.id ? h('button', {
          class: 'btn btn-sm btn-primary', type: 'button', 'data-testid': 'call-open-card',
          onclick: () => {
            if (state.route.page !== 'inbox') navigate({ page: 'inbox' });
            loadCard(client.id);
          },
        }, t('call.openCard')) : null,
        h('button', {
          class: 'icon-btn', type: 'button', 'aria-label': t('action.dismiss'),
          onclick: () => {
            state.calls = state.calls.filter((c) => c.call.id !== call.id);
            emit('calls');
          },
        }, icon('close'))))));
  }
  on('calls', render);
  render();
}
