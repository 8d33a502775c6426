// Applies stream events to the store. Each handler changes state and emits
// the topics that views listen to; none of them touches the DOM.
import { t } from '../i18n.js';
import { chime, desktop } from '../notify.js';
import { toast } from '../toast.js';
import { throttle } from '../dom.js';
import { navigate } from '../router.js';
import {
  state, emit, upsertDialog, addMessages, selfTaken,
} from './state.js';
import { fetchDialog, loadCard, loadList, markRead } from './actions.js';

const dialogEvents = new Set([
  'dialog.created', 'dialog.assigned', 'dialog.unassigned', 'dialog.transferred',
  'dialog.queued', 'dialog.closed', 'dialog.reopened',
]);

const overviewEvents = new Set(['presence.changed', 'queue.changed', 'sla.breached']);

const reloadQueue = throttle(() => loadList('queue', 'active'), 5000);

/** applyEvent handles one stream frame. */
export function applyEvent(f) {
  const data = f.data || {};
  if (dialogEvents.has(f.type)) onDialog(f.type, data);
  else if (handlers[f.type]) handlers[f.type](data);
  if (dialogEvents.has(f.type) || overviewEvents.has(f.type)) emit('overview-dirty');
}

function onDialog(type, data) {
  const d = data.dialog;
  if (!d?.id) return;
  const before = state.dialogs.get(d.id);
  const wasMine = before?.assignee_id === state.me.id;
  const merged = upsertDialog(d);
  if (!merged.client) fetchDialog(d.id).catch(() => {});
  const nowMine = merged.assignee_id === state.me.id && merged.status !== 'closed';
  if (nowMine && !wasMine && !selfTaken.delete(d.id)) announceAssigned(merged, data);
  emit('lists');
  emit('dialog', d.id);
}

function announceAssigned(d, data) {
  chime('dialog');
  const who = d.client?.name || t('client.unknown');
  const body = data.from_manager_id ? t('notify.transferredFrom', { name: managerLabel(data.from_manager_id) }) : d.subject || d.channel;
  desktop(t('notify.newDialog', { name: who }), body, () => navigate({ page: 'inbox', dialogId: d.id }), `dialog-${d.id}`);
  if (document.visibilityState === 'visible') toast(t('notify.newDialog', { name: who }), 'info');
}

function managerLabel(id) {
  const m = state.managers.get(id);
  return m ? m.name || m.login : `#${id}`;
}

const clientId = (x) => (typeof x === 'object' && x ? x.id : Number(x) || 0);

const handlers = {
  'message.created'({ message: msg }) {
    if (!msg?.dialog_id) return;
    const id = msg.dialog_id;
    if (state.messages.get(id)?.loaded) addMessages(id, [msg]);
    const d = state.dialogs.get(id);
    if (!d) {
      fetchDialog(id).catch(() => {});
    } else {
      d.last_message = { text: msg.text || msg.subject || '', direction: msg.direction, created_at: msg.created_at };
      d.last_message_at = msg.created_at;
      if (msg.direction === 'in') {
        const inView = state.route.page === 'inbox' && state.route.dialogId === id && document.visibilityState === 'visible';
        if (inView) markRead(id);
        else d.unread = (d.unread || 0) + 1;
      }
    }
    if (msg.direction === 'in') state.typing.delete(id);
    emit('messages', { id, kind: 'new' });
    emit('lists');
    if (state.card.clientId && state.card.clientId === msg.client_id) loadCard(msg.client_id, { keep: true });
  },

  'message.status'(s) {
    const m = state.messages.get(s.dialog_id);
    const item = m?.items.find((x) => x.id === s.message_id);
    if (!item) return;
    item.status = s.status;
    if (s.external_id) item.external_id = s.external_id;
    item.error = s.error || '';
    emit('messages', { id: s.dialog_id, kind: 'status', messageId: s.message_id });
  },

  typing({ dialog_id: id, manager_id: who }) {
    if (!id || who === state.me.id) return;
    state.typing.set(id, { managerId: who, until: Date.now() + 6000 });
    emit('typing', id);
  },

  'client.updated'({ client }) {
    if (!client?.id) return;
    for (const d of state.dialogs.values()) {
      if (d.client_id === client.id) d.client = { id: client.id, name: client.name };
    }
    if (state.card.clientId === client.id && state.card.data) {
      state.card.data = { ...state.card.data, client };
      emit('card');
    }
    emit('lists');
  },

  'client.merged'({ loser_id, survivor_id, loser = loser_id, survivor = survivor_id }) {
    const l = clientId(loser);
    const s = clientId(survivor);
    for (const d of state.dialogs.values()) {
      if (d.client_id === l) {
        d.client_id = s;
        if (typeof survivor === 'object') d.client = { id: s, name: survivor.name };
      }
    }
    if (state.card.clientId === l || state.card.clientId === s) loadCard(s);
    emit('lists');
  },

  'duplicate.found'({ candidate }) {
    if (!candidate) return;
    if ([candidate.client_a, candidate.client_b].includes(state.card.clientId)) loadCard(state.card.clientId, { keep: true });
  },

  'presence.changed'({ manager_id: id, presence }) {
    const m = state.managers.get(id);
    if (m) state.managers.set(id, { ...m, presence });
    if (id === state.me.id) {
      state.me = { ...state.me, presence };
      emit('me');
    }
    emit('directory');
  },

  'queue.changed'() {
    reloadQueue();
  },

  'sla.breached'({ dialog }) {
    if (!dialog?.id) return;
    const d = upsertDialog(dialog);
    emit('lists');
    emit('dialog', dialog.id);
    if (d.assignee_id === state.me.id) toast(t('sla.breachedToast', { id: d.id, name: d.client?.name || '' }), 'error');
  },

  'call.ringing'({ call, client }) {
    if (!call?.id) return;
    state.calls = state.calls.filter((c) => c.call.id !== call.id).concat([{ call, client }]);
    emit('calls');
    chime('ring');
    const who = client?.name || call.from;
    desktop(t('call.incoming'), who, () => navigate({ page: 'inbox' }), `call-${call.id}`);
    // The screen-pop: the caller's card opens in the right pane.
    if (client?.id) loadCard(client.id);
  },

  'call.answered'({ call }) { endCall(call); },
  'call.ended'({ call }) { endCall(call); },

  'lead.created'({ lead }) {
    if (lead?.client_id && lead.client_id === state.card.clientId) loadCard(lead.client_id, { keep: true });
  },
};

function endCall(call) {
  if (!call?.id) return;
  state.calls = state.calls.filter((c) => c.call.id !== call.id);
  emit('calls');
}
