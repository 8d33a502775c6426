// Entry point of the console: checks the session, shows the login or the
// workspace, and wires the live stream into the store.
import { api, setCsrf, onUnauthorized } from './js/api.js';
import { Stream } from './js/stream.js';
import { setStream } from './js/live.js';
import { startRouter } from './js/router.js';
import { replace, h } from './js/dom.js';
import { t, errorText } from './js/i18n.js';
import { state, emit, clearSubscriptions } from './js/store/state.js';
import {
  loadDirectory, loadList, loadCanned, reloadAll, refreshDialog,
} from './js/store/actions.js';
import { applyEvent } from './js/store/events.js';
import { mountLogin } from './js/views/login.js';
import { mountShell } from './js/views/shell.js';
import { startShortcuts } from './js/shortcuts.js';
import { pruneDrafts } from './js/drafts.js';

const root = document.getElementById('app');
let stream = null;

function resetState() {
  state.me = null;
  state.dialogs.clear();
  state.messages.clear();
  state.typing.clear();
  state.cursors = {};
  state.loading = {};
  state.canned = null;
  state.calls = [];
  state.card = { clientId: 0, data: null, timeline: null, candidates: null, error: null };
}

function showLogin() {
  stream?.stop();
  delete document.documentElement.dataset.stream;
  stream = null;
  setStream(null);
  clearSubscriptions();
  resetState();
  mountLogin(root, { onSignedIn: () => start() });
}

/** remount rebuilds the workspace, e.g. after a language switch; state is kept. */
export function remount() {
  clearSubscriptions();
  mountShell(root, { onLogout: logout, onRemount: remount });
  // Views subscribe on mount; tell them everything is fresh.
  emit('lists');
}

async function logout() {
  try { await api.logout(); } catch { /* the session may already be gone */ }
  showLogin();
}

function startStream() {
  stream = new Stream({
    onEvent: applyEvent,
    onStatus: (s) => {
      state.stream = s;
      // Exposed on <html data-stream> so tests (and styles) can tell when
      // the page is live without reading the script's state.
      document.documentElement.dataset.stream = s;
      emit('stream');
    },
    onHello: ({ resumed }) => {
      // Replayed events bring the lists up to date; the open conversation
      // is refetched as well, to be safe about anything a replay cannot
      // express (such as a message edited by a failed send).
      if (resumed && state.route.dialogId) refreshDialog(state.route.dialogId);
    },
    onReset: () => reloadAll(),
    onFailing: () => { api.me().catch(() => {}); },
  });
  setStream(stream);
  stream.start();
}

async function start() {
  let me;
  try {
    me = await api.me();
  } catch (e) {
    if (e.status === 401) return showLogin();
    replace(root, h('div', { class: 'boot boot-error', role: 'alert' },
      h('p', {}, t('boot.failed')), h('p', { class: 'muted' }, errorText(e)),
      h('button', { class: 'btn btn-primary', type: 'button', onclick: () => start() }, t('action.retry'))));
    return;
  }
  setCsrf(me.csrf_token);
  state.me = me.manager;
  state.teams = me.teams || [];
  state.managers.set(me.manager.id, me.manager);
  remount();
  startStream();
  await Promise.all([
    loadDirectory(),
    loadList('mine', 'active'),
    loadList('queue', 'active'),
    loadCanned(),
  ]);
  emit('directory');
}

onUnauthorized(() => { if (state.me) showLogin(); });
// One clock for every live countdown (SLA, queue waits, typing expiry).
setInterval(() => { if (state.me) emit('tick'); }, 1000);
pruneDrafts();
startRouter();
startShortcuts();
start();
