// The supervisor page: every manager's presence and load against capacity,
// each team's queue length and oldest wait, SLA breaches today. It stays
// live by refetching the overview when the stream reports something that
// changes it, throttled so a burst of events costs one request.
import { h, replace, throttle } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { parseTime, duration, clockTime } from '../format.js';
import { api } from '../api.js';
import { teamName } from '../store/state.js';
import { initials } from './shell.js';

/** mountSupervisor builds the page in el. */
export function mountSupervisor(el, sc) {
  const stats = h('div', { class: 'stats' });
  const managers = h('tbody');
  const queues = h('tbody');
  const status = h('p', { class: 'muted', role: 'status' });
  let data = null;

  replace(el, h('div', { class: 'sheet', 'data-testid': 'supervisor-page' },
    h('div', { class: 'sheet-head' }, h('h1', {}, t('sup.title')), status),
    stats,
    h('div', { class: 'sheet-grid' },
      h('section', { class: 'panel' }, h('h2', {}, t('sup.managers')),
        h('table', { class: 'table', 'data-testid': 'supervisor-managers' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('sup.manager')), h('th', { scope: 'col' }, t('sup.presence')), h('th', { scope: 'col' }, t('sup.load')), h('th', { scope: 'col', class: 'num' }, t('sup.open')))),
          managers)),
      h('section', { class: 'panel' }, h('h2', {}, t('sup.queues')),
        h('table', { class: 'table', 'data-testid': 'supervisor-queues' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('sup.team')), h('th', { scope: 'col', class: 'num' }, t('sup.length')), h('th', { scope: 'col', class: 'num' }, t('sup.oldest')))),
          queues)))));

  async function load() {
    try {
      data = await api.overview();
      status.textContent = t('sup.updated', { time: clockTime(new Date().toISOString()) });
      render();
    } catch (e) {
      status.textContent = errorText(e);
    }
  }
  const refresh = throttle(load, 2000);

  function render() {
    if (!data) return;
    const ms = data.managers || [];
    const qs = data.queues || [];
    const online = ms.filter((x) => x.manager.presence === 'online').length;
    const queued = qs.reduce((n, q) => n + (q.length || 0), 0);
    replace(stats,
      stat(t('sup.online'), `${online} / ${ms.length}`, 'stat-online'),
      stat(t('sup.queued'), queued, queued ? 'stat-warn' : ''),
      stat(t('sup.breaches'), data.sla_breaches_today ?? 0, data.sla_breaches_today ? 'stat-bad' : '', 'sla-breaches'));
    replace(managers, ms.length ? ms.map(({ manager: m, open }) => {
      const cap = m.capacity || 0;
      const load = m.load ?? open ?? 0;
      const pct = cap ? Math.min(100, Math.round((load / cap) * 100)) : 0;
      return h('tr', { 'data-testid': 'supervisor-manager', 'data-manager-id': m.id },
        h('td', {}, h('span', { class: 'who' }, h('span', { class: 'avatar avatar-sm' }, initials(m.name || m.login)), m.name || m.login)),
        h('td', {}, h('span', { class: 'presence-label' }, h('span', { class: 'presence-dot', 'data-presence': m.presence }), t(`presence.${m.presence || 'offline'}`))),
        h('td', {}, h('div', { class: 'loadbar', title: `${load} / ${cap || '∞'}`, role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': String(cap || load), 'aria-valuenow': String(load) },
          h('span', { class: ['loadbar-fill', pct >= 100 && 'is-full', pct >= 75 && pct < 100 && 'is-high'], style: `width:${pct}%` })),
        h('span', { class: 'loadbar-text' }, `${load} / ${cap || '∞'}`)),
        h('td', { class: 'num' }, open ?? 0));
    }) : h('tr', {}, h('td', { colspan: '4', class: 'muted' }, t('sup.noManagers'))));
    replace(queues, qs.length ? qs.map((q) => h('tr', { 'data-testid': 'supervisor-queue', 'data-team-id': q.team_id },
      h('td', {}, teamName(q.team_id)),
      h('td', { class: 'num' }, q.length ?? 0),
      h('td', { class: 'num', 'data-oldest': q.oldest_at || '' }, wait(q.oldest_at, q.length)))) : h('tr', {}, h('td', { colspan: '3', class: 'muted' }, t('sup.noQueues'))));
  }

  function wait(at, length) {
    const ms = parseTime(at);
    return ms && length ? duration(Date.now() - ms) : '—';
  }

  sc.on('overview-dirty', refresh);
  sc.on('directory', render);
  sc.on('tick', () => {
    for (const td of queues.querySelectorAll('[data-oldest]')) {
      if (td.dataset.oldest) td.textContent = wait(td.dataset.oldest, 1);
    }
  });
  // The stream is the trigger; a slow poll covers what it cannot see
  // (a manager's load changing in another team).
  const poll = setInterval(load, 30000);
  sc.add(() => clearInterval(poll));
  load();
}

function stat(label, value, cls, testid) {
  return h('div', { class: ['stat', cls], 'data-testid': testid ? `stat-${testid}` : null },
    h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label));
}
