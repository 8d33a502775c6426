// Actions: everything that asks the server for something and puts the
// answer into the store. Views call these; they never call the API directly.
import { api } from '../api.js';
import { errorText } from '../i18n.js';
import { toast } from '../toast.js';
import {
  state, emit, upsertDialog, listKey, messageState, addMessages, selfTaken,
} from './state.js';

const statusParam = (filter) => (filter === 'closed' ? 'closed' : 'open,pending');

/** loadDirectory fetches managers and teams for names, transfer and the supervisor page. */
export async function loadDirectory() {
  const [m, tm] = await Promise.allSettled([api.managers(), api.teams()]);
  if (m.status === 'fulfilled') {
    state.managers = new Map((m.value.managers || []).map((x) => [x.id, x]));
  }
  if (tm.status === 'fulfilled') {
    state.allTeams = new Map((tm.value.teams || []).map((x) => [x.id, x]));
  }
  for (const team of state.teams) if (!state.allTeams.has(team.id)) state.allTeams.set(team.id, team);
  emit('directory');
}

/**
 * loadList fetches the first page of a list (more=false) or the next one.
 * The dialogs land in the one dialog map; lists are views over it.
 */
export async function loadList(tab = state.tab, filter = state.filter, more = false) {
  const key = listKey(tab, filter);
  if (state.loading[key]) return;
  if (more && !state.cursors[key]) return;
  state.loading[key] = true;
  emit('lists');
  try {
    const res = await api.dialogs(tab, statusParam(filter), more ? state.cursors[key] : undefined);
    for (const d of res.dialogs || []) upsertDialog(d);
    state.cursors[key] = res.next || '';
  } catch (e) {
    toast(errorText(e), 'error');
  } finally {
    state.loading[key] = false;
    emit('lists');
  }
}

/** reloadAll refetches the lists in view and the open dialog (after a stream reset). */
export async function reloadAll() {
  state.dialogs.clear();
  state.cursors = {};
  const jobs = [loadList(state.tab, state.filter)];
  if (state.tab !== 'mine' || state.filter !== 'active') jobs.push(loadList('mine', 'active'));
  if (state.tab !== 'queue') jobs.push(loadList('queue', 'active'));
  await Promise.all(jobs);
  if (state.route.dialogId) await refreshDialog(state.route.dialogId);
}

/** fetchDialog makes sure a dialog's full view (with client) is in the store. */
export async function fetchDialog(id) {
  try {
    const res = await api.dialog(id);
    upsertDialog(res.dialog);
    emit('lists');
    emit('dialog', id);
    return state.dialogs.get(id);
  } catch (e) {
    if (e.status === 404 || e.status === 403) return null;
    throw e;
  }
}

/** refreshDialog reloads a dialog and its newest messages (after a resume). */
export async function refreshDialog(id) {
  await Promise.allSettled([fetchDialog(id), loadMessages(id, { fresh: true })]);
}

/**
 * loadMessages fetches the newest page of a dialog (fresh) or the page
 * before the oldest one held (older). Pages come newest first; the buffer
 * keeps them oldest first.
 */
export async function loadMessages(id, { older = false, fresh = false } = {}) {
  const m = messageState(id);
  if (m.loading || (older && !m.next)) return;
  m.loading = true;
  emit('messages', { id, kind: 'loading' });
  try {
    const res = await api.messages(id, older ? m.next : undefined);
    const page = res.messages || [];
    const held = new Set(m.items.map((x) => x.id));
    // After a long drop the newest page may not reach back to what we hold;
    // then the buffer has a hole, so start over from this page.
    const gap = fresh && m.loaded && res.next && held.size > 0 && !page.some((x) => held.has(x.id));
    if (gap) m.items = [];
    addMessages(id, page);
    // The cursor points before the oldest message held: a refresh of the
    // newest page leaves it alone unless the buffer was just started.
    if (older || !m.loaded || gap) m.next = res.next || '';
    m.loaded = true;
    emit('messages', { id, kind: older ? 'older' : fresh ? 'refresh' : 'fresh' });
  } catch (e) {
    m.error = errorText(e);
    emit('messages', { id, kind: 'error' });
  } finally {
    m.loading = false;
  }
}

let readTimer = 0;

/** markRead tells the server the open dialog was seen; calls are coalesced. */
export function markRead(id) {
  const d = state.dialogs.get(id);
  if (!d || !d.unread) return;
  d.unread = 0;
  emit('lists');
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    api.read(id).then((r) => r?.dialog && upsertDialog(r.dialog)).catch(() => {});
  }, 400);
}

/** openDialog prepares the conversation pane and client card for a dialog. */
export async function openDialog(id) {
  let d = state.dialogs.get(id);
  if (!d || !d.client) d = await fetchDialog(id).catch(() => null);
  if (!d) {
    emit('dialog', id);
    return;
  }
  const m = messageState(id);
  await Promise.all([
    m.loaded ? loadMessages(id, { fresh: true }) : loadMessages(id),
    d.client_id ? loadCard(d.client_id) : null,
  ]);
  if (document.visibilityState === 'visible') markRead(id);
}

/**
 * sendMessage posts a reply with already uploaded attachments
 * ({key, filename, content_type}); the stream later reports sent or failed.
 */
export async function sendMessage(id, { text, subject, attachments = [] }) {
  const files = attachments.map(({ key, filename, content_type: type }) => ({ key, filename, content_type: type }));
  const res = await api.send(id, { text, html: '', subject: subject || '', attachments: files });
  if (res?.message) {
    addMessages(id, [res.message]);
    const d = state.dialogs.get(id);
    if (d) {
      d.last_message = { text: res.message.text, direction: 'out', created_at: res.message.created_at };
      d.last_message_at = res.message.created_at;
    }
    emit('messages', { id, kind: 'sent' });
    emit('lists');
  }
  return res?.message;
}

/** dialogAction runs take/close/reopen/transfer and stores the answer. */
export async function dialogAction(kind, id, arg) {
  if (kind === 'take') selfTaken.add(id);
  try {
    const res = await api[kind](id, arg);
    if (res?.dialog) upsertDialog(res.dialog);
    emit('lists');
    emit('dialog', id);
    return true;
  } catch (e) {
    selfTaken.delete(id);
    toast(errorText(e), 'error');
    // A conflict means our copy is stale: fetch the truth.
    if (e.status === 409) fetchDialog(id).catch(() => {});
    return false;
  }
}

/** loadCard loads a client card: client, identities, owner, timeline, duplicates. */
export async function loadCard(clientId, { keep = false } = {}) {
  if (!clientId) return;
  const same = state.card.clientId === clientId;
  if (!same || !keep) {
    state.card = { clientId, data: same ? state.card.data : null, timeline: same ? state.card.timeline : null, candidates: same ? state.card.candidates : null, error: null };
  }
  emit('card');
  const [c, tl, cand] = await Promise.allSettled([api.client(clientId), api.timeline(clientId), api.candidates(clientId)]);
  if (state.card.clientId !== clientId) return; // another card was opened meanwhile
  if (c.status === 'fulfilled') {
    state.card.data = c.value;
    // A merged-away client forwards to its survivor.
    const survivor = c.value.client?.merged_into;
    if (survivor) return loadCard(survivor);
  } else {
    state.card.error = errorText(c.reason);
  }
  state.card.timeline = tl.status === 'fulfilled' ? tl.value.entries || [] : [];
  state.card.candidates = cand.status === 'fulfilled' ? cand.value.candidates || [] : [];
  emit('card');
}

/** loadOlderTimeline appends the page before the oldest timeline entry. */
export async function loadOlderTimeline() {
  const { clientId, timeline } = state.card;
  if (!clientId || !timeline?.length) return false;
  const before = timeline[timeline.length - 1].at;
  const res = await api.timeline(clientId, before);
  if (state.card.clientId !== clientId) return false;
  const more = res.entries || [];
  state.card.timeline = timeline.concat(more);
  emit('card');
  return more.length > 0;
}

/** candidateAction merges or dismisses a duplicate candidate. */
export async function candidateAction(kind, candidateId) {
  try {
    await api[kind](candidateId);
    await loadCard(state.card.clientId, { keep: true });
    return true;
  } catch (e) {
    toast(errorText(e), 'error');
    return false;
  }
}

/** loadCanned fetches the canned responses (once, unless force). */
export async function loadCanned(force = false) {
  if (state.canned && !force) return state.canned;
  try {
    const res = await api.canned();
    state.canned = res.canned || [];
  } catch (e) {
    state.canned = state.canned || [];
    if (force) toast(errorText(e), 'error');
  }
  emit('canned');
  return state.canned;
}

/** setPresence changes the manager's presence. */
export async function setPresence(presence) {
  try {
    const res = await api.setPresence(presence);
    if (res?.manager) {
      state.me = res.manager;
      state.managers.set(res.manager.id, res.manager);
    }
  } catch (e) {
    toast(errorText(e), 'error');
  }
  emit('me');
}
