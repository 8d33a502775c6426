// The workspace frame: top bar (navigation, presence, language, help,
// logout), the banners (reconnecting, notification offer), the screen-pop
// and the current page.
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { t, languages, getLang, setLang } from '../i18n.js';
import { state, on, scope, isSupervisor } from '../store/state.js';
import { setPresence } from '../store/actions.js';
import { navigate } from '../router.js';
import { canAskPermission, askPermission, rememberAsked } from '../notify.js';
import { mountInbox } from './inbox.js';
import { mountSupervisor } from './supervisor.js';
import { mountCannedPage } from './canned.js';
import { mountScreenPop } from './screenpop.js';
import { openHelp } from './help.js';

const presences = ['online', 'away', 'offline'];

/** mountShell builds the workspace in root. */
export function mountShell(root, { onLogout, onRemount }) {
  const page = h('div', { class: 'page' });
  const banners = h('div', { class: 'banners' });
  const nav = h('nav', { class: 'topnav', 'aria-label': t('nav.label') });
  const presence = presenceSwitch();

  const lang = h('select', {
    class: 'select select-sm',
    'aria-label': t('lang.label'),
    'data-testid': 'lang-switch',
    onchange: (ev) => {
      setLang(ev.target.value);
      onRemount();
    },
  }, languages.map((l) => h('option', { value: l.code, selected: l.code === getLang() }, l.label)));

  const me = state.me;
  const header = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '/console/', onclick: link({ page: 'inbox' }) },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Switchboard'),
    nav,
    h('div', { class: 'topbar-spacer' }),
    presence,
    lang,
    h('button', {
      class: 'icon-btn', type: 'button', title: t('help.title'), 'aria-label': t('help.title'), 'data-testid': 'help-button', onclick: openHelp,
    }, icon('keyboard')),
    h('span', { class: 'me', title: `${me.login} · ${t(`role.${me.role}`)}` }, h('span', { class: 'avatar avatar-sm' }, initials(me.name || me.login)), h('span', { class: 'me-name' }, me.name || me.login)),
    h('button', {
      class: 'icon-btn', type: 'button', title: t('action.logout'), 'aria-label': t('action.logout'), 'data-testid': 'logout-button', onclick: onLogout,
    }, icon('logout')));

  replace(root, h('div', { class: 'shell' }, header, banners, page));
  mountScreenPop(root.querySelector('.shell'));

  function renderNav() {
    const items = [{ page: 'inbox', label: t('nav.inbox'), icon: 'inbox', testid: 'nav-inbox' }];
    if (isSupervisor()) items.push({ page: 'supervisor', label: t('nav.supervisor'), icon: 'gauge', testid: 'nav-supervisor' });
    items.push({ page: 'canned', label: t('nav.canned'), icon: 'canned', testid: 'nav-canned' });
    replace(nav, items.map((it) => h('a', {
      href: it.page === 'inbox' ? '/console/' : `/console/${it.page}`,
      class: ['topnav-link', state.route.page === it.page && 'is-active'],
      'aria-current': state.route.page === it.page ? 'page' : null,
      'data-testid': it.testid,
      onclick: link({ page: it.page, dialogId: it.page === 'inbox' ? state.route.dialogId : 0 }),
    }, icon(it.icon), it.label)));
  }

  function renderBanners() {
    const out = [];
    if (state.stream === 'reconnecting') {
      out.push(h('div', { class: 'banner banner-warn', role: 'status', 'data-testid': 'reconnect-banner' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('stream.reconnecting')));
    }
    if (canAskPermission()) {
      out.push(h('div', { class: 'banner banner-info', 'data-testid': 'notify-offer' },
        icon('bell'), h('span', {}, t('notify.offer')),
        h('button', { class: 'btn btn-sm btn-primary', type: 'button', onclick: async () => { await askPermission(); renderBanners(); } }, t('notify.enable')),
        h('button', { class: 'btn btn-sm', type: 'button', onclick: () => { rememberAsked(); renderBanners(); } }, t('notify.later'))));
    }
    replace(banners, out);
  }

  let pageScope = null;
  function renderPage() {
    pageScope?.dispose();
    pageScope = scope();
    switch (state.route.page) {
      case 'supervisor':
        if (isSupervisor()) {
          mountSupervisor(page, pageScope);
          break;
        }
        navigate({ page: 'inbox' }, { replace: true });
        return;
      case 'canned': mountCannedPage(page, pageScope); break;
      default: mountInbox(page, pageScope);
    }
    document.title = `${t(`nav.${state.route.page}`)} · Switchboard`;
  }

  on('route', ({ pageChanged } = {}) => {
    renderNav();
    if (pageChanged) renderPage();
  });
  on('stream', renderBanners);
  on('me', () => presence.sync());
  renderNav();
  renderBanners();
  renderPage();
}

function presenceSwitch() {
  const sel = h('select', {
    class: 'select select-sm presence-select',
    'aria-label': t('presence.label'),
    'data-testid': 'presence-switch',
    onchange: (ev) => setPresence(ev.target.value),
  }, presences.map((p) => h('option', { value: p }, t(`presence.${p}`))));
  const dot = h('span', { class: 'presence-dot', 'aria-hidden': 'true' });
  const wrap = h('span', { class: 'presence' }, dot, sel);
  wrap.sync = () => {
    const p = state.me?.presence || 'offline';
    sel.value = p;
    dot.dataset.presence = p;
  };
  wrap.sync();
  return wrap;
}

/** link makes an anchor navigate in-page while keeping open-in-new-tab working. */
export function link(route) {
  return (ev) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(route);
  };
}

/** initials are one or two letters for an avatar. */
export function initials(name = '') {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  return (parts[0][0] + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}
