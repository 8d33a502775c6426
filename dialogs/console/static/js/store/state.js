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
    let next = mergeStatus(byId.get(msg.id), msg);
    const early = earlyStatus.get(msg.id);
    if (early) {
      earlyStatus.delete(msg.id);
      next = mergeStatus(next, { ...next, ...early });
    }
    byId.set(msg.id, next);
  }
  m.items = [...byId.values()].sort((a, b) => parseTime(a.created_at) - parseTime(b.created_at) || a.id - b.id);
  return added;
}

// Delivery only moves forward. A snapshot of a message (the answer to the
// send request, a page of history) can be older than the message.status
// events already applied: the outbox may deliver a reply before the
// browser has the answer to the request that queued it. So a snapshot never
// takes a status back, except from failed (a retry queues it again).
const statusRank = { queued: 0, sent: 1, delivered: 2, read: 3 };

function mergeStatus(old, msg) {
  const next = { ...old, ...msg };
  if (old && old.status in statusRank && msg.status in statusRank && statusRank[msg.status] < statusRank[old.status]) {
    next.status = old.status;
    next.external_id = old.external_id;
    next.error = old.error;
  }
  return next;
}

// earlyStatus holds message.status events for messages not yet in a loaded
// buffer (the send request has not answered yet), until the message comes.
const earlyStatus = new Map();
const maxEarly = 200;

/**
 * applyStatus records a message.status event on the message it is about,
 * or keeps it for the message if that is on its way into a loaded buffer.
 * It returns whether a shown message changed.
 */
export function applyStatus(s) {
  const m = state.messages.get(s.dialog_id);
  if (!m?.loaded) return false; // loading the dialog later fetches the truth
  const item = m.items.find((x) => x.id === s.message_id);
  const patch = { status: s.status, external_id: s.external_id || item?.external_id || '', error: s.error || '' };
  if (!item) {
    if (earlyStatus.size >= maxEarly) earlyStatus.delete(earlyStatus.keys().next().value);
    earlyStatus.set(s.message_id, patch);
    return false;
  }
  Object.assign(item, patch);
  return true;
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
