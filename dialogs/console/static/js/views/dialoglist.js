// The dialog list: tabs (mine / queue / all), the active-closed filter,
// client search, and the dialogs newest activity first with channel icon,
// unread count and a live SLA countdown.
import { h, replace, debounce } from '../dom.js';
import { icon, channelIcon } from '../icons.js';
import { t, errorText } from '../i18n.js';
import { shortTime, slaState, duration, fullTime, parseTime } from '../format.js';
import { api } from '../api.js';
import {
  state, listDialogs, listKey, isSupervisor, managerName,
} from '../store/state.js';
import { loadList, loadCard } from '../store/actions.js';
import { navigate } from '../router.js';
import { link } from './shell.js';

const tabs = ['mine', 'queue', 'all'];

/** mountDialogList builds the list pane in el. */
export function mountDialogList(el, sc) {
  const tabBar = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('list.label') });
  const filter = h('select', {
    class: 'select select-sm',
    'aria-label': t('list.filter'),
    'data-testid': 'status-filter',
    onchange: (ev) => {
      state.filter = ev.target.value;
      ensureLoaded();
      render();
    },
  }, h('option', { value: 'active' }, t('filter.active')), h('option', { value: 'closed' }, t('filter.closed')));
  filter.value = state.filter;

  const search = clientSearch();
  const items = h('div', { class: 'dl', role: 'list', id: 'dialog-list', 'data-testid': 'dialog-list' });
  const more = h('button', { class: 'btn btn-sm btn-ghost dl-more', type: 'button', onclick: () => loadList(state.tab, state.filter, true) }, t('list.more'));
  replace(el, h('div', { class: 'pane-head' }, tabBar, h('div', { class: 'list-tools' }, search, filter)), items);

  function ensureLoaded() {
    if (state.cursors[listKey()] === undefined) loadList();
  }

  function renderTabs() {
    const visible = isSupervisor() ? tabs : tabs.filter((x) => x !== 'all');
    replace(tabBar, visible.map((tab) => {
      const count = listDialogs(tab, 'active').length;
      const unread = tab === 'mine' ? listDialogs('mine', 'active').reduce((n, d) => n + (d.unread || 0), 0) : 0;
      return h('button', {
        type: 'button',
        role: 'tab',
        class: ['tab', state.tab === tab && 'is-active'],
        'aria-selected': String(state.tab === tab),
        'aria-controls': 'dialog-list',
        'data-testid': `tab-${tab}`,
        onclick: () => selectTab(tab),
      }, t(`tab.${tab}`), tab !== 'all' && count ? h('span', { class: ['count', unread && 'count-hot'] }, unread || count) : null);
    }));
  }

  function render() {
    renderTabs();
    const list = listDialogs();
    const key = listKey();
    const nodes = list.map(item);
    if (!list.length) {
      nodes.push(h('div', { class: 'empty' }, state.loading[key] ? t('list.loading') : t(`list.empty.${state.tab}`)));
    }
    if (state.cursors[key]) nodes.push(more);
    replace(items, nodes);
    tick();
  }

  // SLA countdowns move every second without rebuilding the list.
  function tick() {
    const now = Date.now();
    for (const badge of items.querySelectorAll('[data-sla]')) {
      const d = state.dialogs.get(Number(badge.dataset.sla));
      const s = slaState(d, now);
      if (!s) {
        badge.hidden = true;
        continue;
      }
      badge.hidden = false;
      badge.className = `sla sla-${s.level}`;
      badge.lastChild.textContent = s.remaining > 0 ? duration(s.remaining) : t('sla.breached');
    }
  }

  function selectTab(tab) {
    state.tab = tab;
    ensureLoaded();
    render();
  }
  // Keyboard shortcuts switch tabs through this event.
  sc.on('select-tab', selectTab);

  sc.on('lists', render);
  sc.on('directory', render);
  sc.on('dialog', render);
  sc.on('route', render);
  sc.on('tick', tick);
  render();
  ensureLoaded();
}

function item(d) {
  const active = state.route.dialogId === d.id;
  const lm = d.last_message;
  const preview = lm ? (lm.direction === 'out' ? `${t('list.you')}: ` : '') + (lm.text || '').replace(/\s+/g, ' ').slice(0, 140) : d.subject || '';
  const assignee = d.assignee_id && d.assignee_id !== state.me.id ? managerName(d.assignee_id) : '';
  const name = d.client?.name || t('client.unknown');
  return h('a', {
    href: `/console/dialogs/${d.id}`,
    class: ['dl-item', active && 'is-active', d.unread > 0 && 'is-unread'],
    role: 'listitem',
    'aria-current': active ? 'true' : null,
    'aria-label': `${name}, ${d.channel}${d.unread ? `, ${t('list.unreadN', { n: d.unread })}` : ''}`,
    'data-testid': 'dialog-item',
    'data-dialog-id': d.id,
    'data-status': d.status,
    onclick: link({ page: 'inbox', dialogId: d.id }),
  },
  channelIcon(d.channel),
  h('span', { class: 'dl-body' },
    h('span', { class: 'dl-row' },
      h('span', { class: 'dl-name' }, name),
      h('time', { class: 'dl-time', datetime: d.last_message_at, title: fullTime(d.last_message_at) }, shortTime(d.last_message_at))),
    h('span', { class: 'dl-row' },
      h('span', { class: 'dl-preview' }, preview || '\u00a0'),
      d.unread > 0 ? h('span', { class: 'unread', 'data-testid': 'unread-count' }, d.unread > 99 ? '99+' : d.unread) : null),
    h('span', { class: 'dl-row dl-meta' },
      h('span', { class: 'sla', 'data-sla': d.id, hidden: true }, icon('clock'), h('span', {})),
      d.status === 'pending' ? h('span', { class: 'chip' }, t('status.pending')) : null,
      d.status === 'closed' ? h('span', { class: 'chip chip-muted' }, t('status.closed')) : null,
      assignee ? h('span', { class: 'dl-assignee' }, icon('user'), assignee) : null,
      reservedFor(d) ? h('span', { class: 'chip', title: fullTime(d.reserved_until) }, t('list.reservedFor', { name: managerName(d.reserved_for) })) : null,
      !d.assignee_id && d.status !== 'closed' ? h('span', { class: 'chip chip-queue' }, t('status.queued')) : null)));
}

// A queued dialog of a returning client waits for its owner for a while.
function reservedFor(d) {
  return !d.assignee_id && d.reserved_for && parseTime(d.reserved_until) > Date.now();
}

/** clientSearch finds clients by name, phone, email or INN and opens the card. */
function clientSearch() {
  const results = h('div', { class: 'popover search-results', role: 'listbox', hidden: true, 'data-testid': 'client-search-results' });
  const input = h('input', {
    type: 'search',
    class: 'input input-sm',
    placeholder: t('search.placeholder'),
    'aria-label': t('search.label'),
    'data-testid': 'client-search',
    id: 'client-search',
    oninput: () => run(input.value.trim()),
    onkeydown: (ev) => {
      if (ev.key === 'Escape') {
        input.value = '';
        results.hidden = true;
        input.blur();
      } else if (ev.key === 'ArrowDown') {
        results.querySelector('button')?.focus();
        ev.preventDefault();
      }
    },
  });
  const run = debounce(async (q) => {
    if (q.length < 2) {
      results.hidden = true;
      return;
    }
    try {
      const res = await api.clients(q, 10);
      const found = res.clients || [];
      replace(results, found.length ? found.map((c) => h('button', {
        type: 'button',
        class: 'search-hit',
        role: 'option',
        onclick: () => {
          results.hidden = true;
          input.value = '';
          if (state.route.page !== 'inbox') navigate({ page: 'inbox' });
          loadCard(c.id);
        },
        onkeydown: (ev) => {
          if (ev.key === 'ArrowDown') ev.target.nextElementSibling?.focus();
          if (ev.key === 'ArrowUp') (ev.target.previousElementSibling || input).focus();
        },
      }, icon(c.kind === 'company' ? 'building' : 'user'), c.name || `#${c.id}`)) : h('div', { class: 'empty' }, t('search.none')));
    } catch (e) {
      replace(results, h('div', { class: 'empty' }, errorText(e)));
    }
    results.hidden = false;
  }, 250);
  const wrap = h('div', { class: 'search' }, icon('search'), input, results);
  wrap.addEventListener('focusout', (ev) => {
    if (!wrap.contains(ev.relatedTarget)) results.hidden = true;
  });
  return wrap;
}

