// The console's state and a tiny publish/subscribe. Views read state and
// subscribe to topics; actions (actions.js) and stream events (events.js)
// change state and emit the topics they touched. No framework: the state is
// small, and explicit topics keep re-rendering cheap and predictable.
import { parseTime } from '../format.js';

/** state is the single source of what the console knows. */
export const state = {
  me: null, // Manager
  teams: [], // [Team] of the current manager
  allTeams: new Map(), // id → Team (all teams, for transfer)
  managers: new Map(), // id → Manager
  dialogs: new Map(), // id → DialogView (Dialog + client + last_message)
  cursors: {}, // list key → next cursor ('' when exhausted)
  loading: {}, // list key → true while loading
  tab: 'mine', // mine | queue | all
  filter: 'active', // active | closed
  route: { page: 'inbox', dialogId: 0 },
  messages: new Map(), // dialog id → {items: [Message] oldest first, next, loaded, loading}
  typing: new Map(), // dialog id → {managerId, until}
  card: { clientId: 0, data: null, timeline: null, candidates: null, error: null },
  stream: 'connecting', // connecting | live | reconnecting
  canned: null, // [Canned] once loaded
  calls: [], // ringing calls for the screen-pop: {call, client}
  overviewTick: 0,
};

const subs = new Map();

/** selfTaken holds dialogs this console just took, so it does not chime at itself. */
export const selfTaken = new Set();

/** on subscribes fn to topic; it returns the unsubscribe function. */
export function on(topic, fn) {
  if (!subs.has(topic)) subs.set(topic, new Set());
  subs.get(topic).add(fn);
  return () => subs.get(topic)?.delete(fn);
}

/** emit tells the topic's subscribers something changed. */
export function emit(topic, payload) {
  for (const fn of [...(subs.get(topic) || [])]) {
    try {
      fn(payload);
    } catch (e) {
      console.error('view update failed', topic, e);
    }
  }
}

/**
 * scope groups subscriptions of one mounted view so they can be dropped
 * together when the view goes away (page change, language switch).
 */
export function scope() {
  const offs = [];
  const sc = {
    on(topic, fn) { offs.push(on(topic, fn)); },
    add(off) { offs.push(off); },
    dispose() {
      liveScopes.delete(sc);
      offs.splice(0).forEach((off) => off());
    },
  };
  liveScopes.add(sc);
  return sc;
}

const liveScopes = new Set();

/**
 * clearSubscriptions drops every subscriber and disposes every live scope
 * (so their timers and window listeners stop) before the app remounts.
 */
export function clearSubscriptions() {
  for (const sc of [...liveScopes]) sc.dispose();
  subs.clear();
}

/**
 * upsertDialog merges a Dialog or DialogView into the store. Events carry a
 * bare Dialog, so the client and last message already known are kept; an
 * older copy (by updated_at) never overwrites a newer one, which matters
 * when a list loaded over HTTP lands after live events for the same dialog.
 */
export function upsertDialog(d) {
  if (!d || !d.id) return null;
  const old = state.dialogs.get(d.id);
  if (old && parseTime(d.updated_at) && parseTime(d.updated_at) < parseTime(old.updated_at)) return old;
  const merged = { ...old, ...d };
  if (!d.client && old?.client) merged.client = old.client;
  if (!d.last_message && old?.last_message) merged.last_message = old.last_message;
  state.dialogs.set(d.id, merged);
  return merged;
}

const activeStatuses = new Set(['open', 'pending']);

/** inList tells whether dialog d belongs to the list shown for tab and filter. */
export function inList(d, tab = state.tab, filter = state.filter) {
  const statusOK = filter === 'closed' ? d.status === 'closed' : activeStatuses.has(d.status);
  if (!statusOK) return false;
  switch (tab) {
    case 'mine': return d.assignee_id === state.me?.id;
    case 'queue': return !d.assignee_id && d.status !== 'closed';
    default: return true;
  }
}

/** listDialogs is a list's dialogs, newest activity first. */
export function listDialogs(tab = state.tab, filter = state.filter) {
  const out = [];
  for (const d of state.dialogs.values()) if (inList(d, tab, filter)) out.push(d);
  return out.sort((a, b) => activity(b) - activity(a) || b.id - a.id);
}

function activity(d) {
  return parseTime(d.last_message_at) || parseTime(d.last_message?.created_at) || parseTime(d.updated_at) || parseTime(d.created_at);
}

/** listKey names a list for cursors and loading flags. */
export const listKey = (tab = state.tab, filter = state.filter) => `${tab}/${filter}`;

/** messageState returns (creating) the message buffer of a dialog. */
export function messageState(id) {
  let m = state.messages.get(id);
  if (!m) {
    m = { items: [], next: '', loaded: false, loading: false };
    state.messages.set(id, m);
  }
  return m;
}

/**
 * addMessages merges messages into a dialog's buffer by id, keeping it in
 * creation order. It returns whether anything new arrived.
 */
export function addMessages(dialogId, messages) {
  const m = messageState(dialogId);
  const byId = new Map(m.items.map((x) => [x.id, x]));
  let added = false;
  for (const msg of messages) {
    if (!byId.has(msg.id)) added = true;
    byId.set(msg.id, { ...byId.get(msg.id), ...msg });
  }
  m.items = [...byId.values()].sort((a, b) => parseTime(a.created_at) - parseTime(b.created_at) || a.id - b.id);
  return added;
}

/** managerName is a manager's display name, or a placeholder for unknown ids. */
export function managerName(id) {
  const m = state.managers.get(id);
  return m ? m.name || m.login : `#${id}`;
}

/** teamName is a team's name, or a placeholder. */
export function teamName(id) {
  return state.allTeams.get(id)?.name || `#${id}`;
}

/** isSupervisor tells whether the manager may see the supervisor page. */
export const isSupervisor = () => state.me?.role === 'supervisor' || state.me?.role === 'admin';
