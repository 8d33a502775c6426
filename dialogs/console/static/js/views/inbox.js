// The inbox page: dialog list | conversation | client card.
import { h, replace } from '../dom.js';
import { state } from '../store/state.js';
import { mountDialogList } from './dialoglist.js';
import { mountConversation } from './conversation.js';
import { mountClientCard } from './clientcard.js';

/** mountInbox builds the three panes in el; subscriptions go to sc. */
export function mountInbox(el, sc) {
  const list = h('section', { class: 'pane pane-list' });
  const convo = h('section', { class: 'pane pane-convo' });
  const card = h('aside', { class: 'pane pane-card' });
  const layout = h('div', { class: ['inbox', state.cardOpen === false && 'card-toggled'] }, list, convo, card);
  replace(el, layout);
  mountDialogList(list, sc);
  mountConversation(convo, sc, {
    toggleCard: () => {
      state.cardOpen = layout.classList.toggle('card-toggled') ? false : true;
    },
  });
  mountClientCard(card, sc);
}
