// Client-side routing over the History API. The server answers every
// /console/... path with index.html, so these URLs can be bookmarked and
// reloaded.
import { state, emit } from './store/state.js';

/** parse turns a path into a route. */
export function parse(pathname) {
  const p = pathname.replace(/\/+$/, '');
  let m;
  if ((m = p.match(/^\/console\/dialogs\/(\d+)$/))) return { page: 'inbox', dialogId: Number(m[1]) };
  if (p === '/console/supervisor') return { page: 'supervisor', dialogId: 0 };
  if (p === '/console/canned') return { page: 'canned', dialogId: 0 };
  return { page: 'inbox', dialogId: 0 };
}

/** pathFor is the URL of a route. */
export function pathFor(route) {
  switch (route.page) {
    case 'supervisor': return '/console/supervisor';
    case 'canned': return '/console/canned';
    default: return route.dialogId ? `/console/dialogs/${route.dialogId}` : '/console/';
  }
}

/** navigate moves to a route, recording it in history unless replace is set. */
export function navigate(route, { replace = false } = {}) {
  const next = { page: 'inbox', dialogId: 0, ...route };
  const url = pathFor(next);
  if (url !== location.pathname) history[replace ? 'replaceState' : 'pushState'](null, '', url);
  const pageChanged = next.page !== state.route.page;
  state.route = next;
  emit('route', { pageChanged });
}

/** startRouter reads the current URL and follows back/forward. */
export function startRouter() {
  state.route = parse(location.pathname);
  window.addEventListener('popstate', () => {
    const next = parse(location.pathname);
    const pageChanged = next.page !== state.route.page;
    state.route = next;
    emit('route', { pageChanged });
  });
}
