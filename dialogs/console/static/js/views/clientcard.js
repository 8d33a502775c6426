// The client card: who the client is (identities, owner, company), one
// timeline across all channels (messages, calls, leads) and duplicate
// candidates with merge / dismiss.
import { h, replace } from '../dom.js';
import { icon, channelIcon } from '../icons.js';
import { t } from '../i18n.js';
import { fullTime, shortTime, parseTime, duration } from '../format.js';
import { state } from '../store/state.js';
import { loadCard, loadOlderTimeline, candidateAction } from '../store/actions.js';
import { initials } from './shell.js';

/** mountClientCard builds the card pane in el. */
export function mountClientCard(el, sc) {
  function render() {
    const c = state.card;
    if (!c.clientId) {
      replace(el, h('div', { class: 'card-empty', 'data-testid': 'client-card' }, icon('user', 'icon-xl'), h('p', { class: 'muted' }, t('card.none'))));
      return;
    }
    if (!c.data) {
      replace(el, h('div', { class: 'card-empty', 'data-testid': 'client-card' }, h('p', { class: 'muted' }, c.error || t('list.loading'))));
      return;
    }
    const { client, identities = [], owner } = c.data;
    const open = (c.candidates || []).filter((x) => !x.status || x.status === 'open');
    replace(el, h('div', { class: 'card', 'data-testid': 'client-card', 'data-client-id': client.id },
      h('div', { class: 'card-head' },
        h('span', { class: ['avatar', client.kind === 'company' && 'avatar-company'] }, client.kind === 'company' ? icon('building') : initials(client.name)),
        h('div', {},
          h('h2', { class: 'card-name' }, client.name || t('client.unknown')),
          h('div', { class: 'muted' }, t(`kind.${client.kind || 'person'}`), ' · #', client.id))),
      h('dl', { class: 'facts' },
        h('dt', {}, t('card.owner')), h('dd', { 'data-testid': 'client-owner' }, owner ? owner.name || owner.login : h('span', { class: 'muted' }, t('card.noOwner'))),
        client.company_id ? [h('dt', {}, t('card.company')), h('dd', {},
          h('button', { class: 'link-btn', type: 'button', onclick: () => loadCard(client.company_id) }, icon('building'), t('card.openCompany')))] : null,
        h('dt', {}, t('card.since')), h('dd', {}, fullTime(client.created_at))),
      section(t('card.identities'), identities.length
        ? h('ul', { class: 'identities', 'data-testid': 'client-identities' }, identities.map(identity))
        : h('p', { class: 'muted' }, t('card.noIdentities'))),
      open.length ? section(t('card.duplicates'), h('ul', { class: 'candidates', 'data-testid': 'client-candidates' }, open.map(candidate)), 'section-warn') : null,
      section(t('card.timeline'), timeline(c.timeline))));
  }

  sc.on('card', render);
  render();
}

function section(title, body, cls) {
  return h('section', { class: ['card-section', cls] }, h('h3', {}, title), body);
}

function identity(i) {
  return h('li', { class: 'identity' },
    h('span', { class: 'id-kind' }, t(`idkind.${i.kind}`) === `idkind.${i.kind}` ? i.kind : t(`idkind.${i.kind}`)),
    h('span', { class: 'id-value', title: i.value }, i.value),
    i.weak ? h('span', { class: 'chip chip-muted', title: t('card.weakHint') }, t('card.weak')) : null,
    h('button', {
      class: 'icon-btn icon-btn-sm', type: 'button', title: t('action.copy'), 'aria-label': `${t('action.copy')} ${i.value}`,
      onclick: () => navigator.clipboard?.writeText(i.value).catch(() => {}),
    }, icon('file')));
}

function candidate(c) {
  const other = c.other || {};
  return h('li', { class: 'candidate', 'data-testid': 'candidate', 'data-candidate-id': c.id },
    h('div', {},
      h('button', { class: 'link-btn candidate-name', type: 'button', onclick: () => other.id && loadCard(other.id) }, other.name || `#${other.id || ''}`),
      h('div', { class: 'muted' }, c.reason, c.score ? ` · ${Math.round(c.score * 100)}%` : '')),
    h('div', { class: 'candidate-actions' },
      h('button', {
        class: 'btn btn-sm', type: 'button', 'data-testid': 'candidate-merge',
        onclick: () => {
          if (confirm(t('card.mergeConfirm', { a: state.card.data?.client?.name || '', b: other.name || '' }))) candidateAction('merge', c.id);
        },
      }, icon('merge'), t('card.merge')),
      h('button', { class: 'btn btn-sm btn-ghost', type: 'button', 'data-testid': 'candidate-dismiss', onclick: () => candidateAction('dismiss', c.id) }, t('card.dismiss'))));
}

function timeline(entries) {
  if (!entries) return h('p', { class: 'muted' }, t('list.loading'));
  if (!entries.length) return h('p', { class: 'muted' }, t('card.noHistory'));
  const more = h('button', {
    class: 'btn btn-sm btn-ghost', type: 'button',
    onclick: async () => {
      more.disabled = true;
      const got = await loadOlderTimeline().catch(() => false);
      if (!got) more.remove();
      more.disabled = false;
    },
  }, t('list.more'));
  return h('div', {}, h('ol', { class: 'timeline', 'data-testid': 'client-timeline' }, entries.map(entry)), entries.length >= 50 ? more : null);
}

function entry(e) {
  let ic;
  let title;
  let body = '';
  if (e.kind === 'message' && e.message) {
    const m = e.message;
    ic = channelIcon(m.channel);
    title = m.direction === 'out' ? t('tl.messageOut') : t('tl.messageIn');
    body = m.subject || m.text || '';
  } else if (e.kind === 'call' && e.call) {
    const c = e.call;
    ic = h('span', { class: 'ch ch-phone' }, icon('phone'));
    title = `${c.direction === 'out' ? t('tl.callOut') : t('tl.callIn')} · ${t(`outcome.${c.outcome || 'ringing'}`)}`;
    const talk = parseTime(c.end_at) && parseTime(c.answer_at) ? duration(parseTime(c.end_at) - parseTime(c.answer_at)) : '';
    body = [c.direction === 'out' ? c.to : c.from, talk].filter(Boolean).join(' · ');
  } else if (e.kind === 'lead' && e.lead) {
    const l = e.lead;
    ic = h('span', { class: 'ch ch-lead' }, icon('lead'));
    title = `${t('tl.lead')} · ${l.source}`;
    body = [l.campaign, t(`lead.${l.status}`)].filter(Boolean).join(' · ');
  } else {
    return null;
  }
  return h('li', { class: ['tl', `tl-${e.kind}`] },
    ic,
    h('div', { class: 'tl-body' },
      h('div', { class: 'tl-row' }, h('span', { class: 'tl-title' }, title), h('time', { datetime: e.at, title: fullTime(e.at) }, shortTime(e.at))),
      body ? h('div', { class: 'tl-text' }, body.length > 160 ? `${body.slice(0, 160)}…` : body) : null));
}
