// The conversation pane: header with the dialog's actions, the message
// history (older pages load on scroll), live messages, the typing line and
// the composer.
import { h, replace } from '../dom.js';
import { icon, channelIcon } from '../icons.js';
import { t } from '../i18n.js';
import { parseTime, dayLabel, slaState, duration } from '../format.js';
import { state, messageState, managerName, teamName } from '../store/state.js';
import { openDialog, loadMessages, dialogAction, markRead } from '../store/actions.js';
import { renderMessage, statusMark } from './message.js';
import { mountComposer } from './composer.js';
import { openTransfer } from './transfer.js';

/** mountConversation builds the conversation pane in el. */
export function mountConversation(el, sc, { toggleCard }) {
  let current = 0; // dialog id shown
  let pinned = true;
  let composer = null;
  const head = h('header', { class: 'convo-head' });
  const scroller = h('div', { class: 'convo-scroll', 'data-testid': 'messages', tabindex: '-1' });
  const typing = h('div', { class: 'typing', 'aria-live': 'polite', 'data-testid': 'typing' });
  const composerBox = h('div', { class: 'composer-box' });

  // pinned says whether the manager is reading the newest messages; while
  // true, anything that grows the history (a new message, an image that
  // finished loading) keeps the view at the bottom.
  scroller.addEventListener('scroll', () => {
    pinned = atBottom();
    if (current && scroller.scrollTop < 80) loadMessages(current, { older: true });
  }, { passive: true });
  scroller.addEventListener('load', () => {
    if (pinned) scroller.scrollTop = scroller.scrollHeight;
  }, true);

  function show(id) {
    if (composer) composer.dispose();
    composer = null;
    current = id;
    pinned = true;
    if (!id) {
      replace(el, h('div', { class: 'convo-empty' },
        icon('chat', 'icon-xl'),
        h('p', {}, t('convo.pick')),
        h('p', { class: 'muted' }, t('convo.pickHint'))));
      return;
    }
    replace(el, head, scroller, typing, composerBox);
    replace(scroller, h('div', { class: 'empty' }, t('list.loading')));
    replace(head);
    composer = mountComposer(composerBox, id);
    renderHead();
    openDialog(id).then(() => {
      if (current === id) {
        renderHead();
        renderMessages({ kind: 'fresh' });
      }
    });
  }

  function renderHead() {
    const d = state.dialogs.get(current);
    if (!d) {
      replace(head, h('div', { class: 'convo-title' }, h('h2', {}, t('convo.notFound'))));
      return;
    }
    const mine = d.assignee_id === state.me.id;
    const closed = d.status === 'closed';
    const who = d.assignee_id ? managerName(d.assignee_id) : d.team_id ? `${t('convo.queueOf')} ${teamName(d.team_id)}` : t('status.queued');
    const btn = (testid, ic, label, key, onclick, primary) => h('button', {
      class: ['btn btn-sm', primary && 'btn-primary'], type: 'button', 'data-testid': testid, title: `${label} (${key})`, 'aria-keyshortcuts': key, onclick,
    }, icon(ic), h('span', { class: 'btn-label' }, label));
    replace(head,
      channelIcon(d.channel),
      h('div', { class: 'convo-title' },
        h('h2', {}, d.client?.name || t('client.unknown')),
        h('div', { class: 'convo-sub' },
          h('span', {}, d.channel),
          d.subject ? h('span', { class: 'convo-subject' }, d.subject) : null,
          h('span', { class: `chip chip-${d.status}`, 'data-testid': 'dialog-status' }, t(`status.${d.status}`)),
          h('span', { class: 'convo-assignee' }, icon('user'), who),
          h('span', { class: 'sla', 'data-sla-head': '', hidden: true }, icon('clock'), h('span', {})))),
      h('div', { class: 'convo-actions' },
        !mine && !closed ? btn('take-button', 'take', t('action.take'), 't', () => dialogAction('take', d.id), true) : null,
        !closed ? btn('transfer-button', 'transfer', t('action.transfer'), 'f', () => openTransfer(d.id)) : null,
        !closed ? btn('close-button', 'archive', t('action.close'), 'c', () => dialogAction('close', d.id)) : null,
        closed ? btn('reopen-button', 'reopen', t('action.reopen'), 'o', () => dialogAction('reopen', d.id)) : null,
        h('button', {
          class: 'icon-btn card-toggle', type: 'button', title: t('card.toggle'), 'aria-label': t('card.toggle'), onclick: toggleCard,
        }, icon('user'))));
    tickHead();
    composer?.update();
  }

  function tickHead() {
    const badge = head.querySelector('[data-sla-head]');
    if (!badge) return;
    const s = slaState(state.dialogs.get(current));
    badge.hidden = !s;
    if (!s) return;
    badge.className = `sla sla-${s.level}`;
    badge.lastChild.textContent = s.remaining > 0 ? `${t('sla.left')} ${duration(s.remaining)}` : t('sla.breached');
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  function renderMessages({ kind }) {
    const m = messageState(current);
    if (!m.loaded) {
      if (m.error) replace(scroller, h('div', { class: 'empty' }, m.error));
      return;
    }
    const stick = kind === 'fresh' || kind === 'sent' || pinned;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    const nodes = [];
    if (m.next) {
      nodes.push(h('button', { class: 'btn btn-sm btn-ghost older', type: 'button', onclick: () => loadMessages(current, { older: true }) },
        m.loading ? t('list.loading') : t('convo.older')));
    } else if (m.items.length) {
      nodes.push(h('div', { class: 'convo-start' }, t('convo.start')));
    }
    let lastDay = '';
    for (const msg of m.items) {
      const ms = parseTime(msg.created_at);
      const day = new Date(ms).toDateString();
      if (day !== lastDay) {
        nodes.push(h('div', { class: 'day-sep', role: 'separator' }, h('span', {}, dayLabel(ms))));
        lastDay = day;
      }
      nodes.push(renderMessage(msg, { onRetry: (x) => composer?.insert(x.text || '') }));
    }
    if (!m.items.length) nodes.push(h('div', { class: 'empty' }, t('convo.noMessages')));
    replace(scroller, nodes);
    // New messages keep the view pinned to the bottom when it was there;
    // older pages keep what the manager was reading in place.
    if (stick) scroller.scrollTop = scroller.scrollHeight;
    else scroller.scrollTop = scroller.scrollHeight - fromBottom;
    pinned = stick;
  }

  function updateStatus(messageId) {
    const m = messageState(current).items.find((x) => x.id === messageId);
    const node = scroller.querySelector(`[data-message-id="${messageId}"]`);
    if (!m || !node) return;
    if (m.status === 'failed') {
      node.replaceWith(renderMessage(m, { onRetry: (x) => composer?.insert(x.text || '') }));
      return;
    }
    node.dataset.status = m.status;
    node.querySelector('.tick')?.replaceWith(statusMark(m));
  }

  function renderTyping() {
    const ty = state.typing.get(current);
    if (ty && ty.until > Date.now()) {
      replace(typing, h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), t('convo.typing', { name: managerName(ty.managerId) }));
    } else {
      if (ty) state.typing.delete(current);
      replace(typing);
    }
  }

  sc.on('route', () => {
    if (state.route.dialogId !== current) show(state.route.dialogId);
  });
  sc.on('dialog', (id) => { if (id === current) renderHead(); });
  sc.on('directory', () => { if (current) renderHead(); });
  sc.on('messages', (ev) => {
    if (ev.id !== current) return;
    if (ev.kind === 'status') updateStatus(ev.messageId);
    else if (ev.kind !== 'loading') renderMessages(ev);
  });
  sc.on('typing', (id) => { if (id === current) renderTyping(); });
  sc.on('tick', () => {
    if (!current) return;
    tickHead();
    if (typing.firstChild) renderTyping();
  });
  const onVisible = () => {
    if (current && document.visibilityState === 'visible') markRead(current);
  };
  document.addEventListener('visibilitychange', onVisible);
  sc.add(() => {
    document.removeEventListener('visibilitychange', onVisible);
    composer?.dispose();
  });
  show(state.route.dialogId);
}
