// The composer: reply text (and subject for email), attachments, canned
// responses via "/" or the picker (a response's files come along), emoji,
// Ctrl/Cmd+Enter to send. What is typed and attached is saved as a draft
// per dialog on every change and cleared only once the server accepted the
// message.
import { h, replace, debounce } from '../dom.js';
import { icon, channelKind } from '../icons.js';
import { t, errorText } from '../i18n.js';
import { state, isSupervisor } from '../store/state.js';
import { sendMessage, dialogAction, loadCanned } from '../store/actions.js';
import { loadDraft, saveDraft, clearDraft } from '../drafts.js';
import { fillPlaceholders, matchCanned } from '../canned.js';
import { sendTyping } from '../live.js';
import { toast } from '../toast.js';
import { emojiPicker } from './emoji.js';
import { attachmentPicker } from './attachments.js';

let active = null;

/** focusComposer puts the caret in the open dialog's reply box (shortcut r). */
export function focusComposer() {
  active?.focus();
}

const isMac = /Mac|iPhone|iPad/.test(navigator.platform || '');

/** mountComposer builds the composer for a dialog in el. */
export function mountComposer(el, dialogId) {
  const draft = loadDraft(dialogId);
  const dialog = () => state.dialogs.get(dialogId);
  const isEmail = () => channelKind(dialog()?.channel) === 'email';
  let sending = false;

  const notice = h('div', { class: 'composer-notice', hidden: true });
  const subject = h('input', {
    class: 'input composer-subject', placeholder: t('composer.subject'), 'aria-label': t('composer.subject'), 'data-testid': 'composer-subject', value: draft.subject,
  });
  const text = h('textarea', {
    class: 'composer-text',
    rows: '3',
    placeholder: t('composer.placeholder'),
    'aria-label': t('composer.label'),
    'aria-keyshortcuts': isMac ? 'Meta+Enter' : 'Control+Enter',
    'data-testid': 'composer-text',
    value: draft.text,
  });
  const send = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'composer-send' }, icon('send'), t('composer.send'));
  const popup = h('div', { class: 'popover canned-pop', role: 'listbox', hidden: true, 'data-testid': 'canned-popup', 'aria-label': t('composer.canned') });
  const emoji = emojiPicker((e) => insertAtCaret(e));
  const files = attachmentPicker({
    ids: { button: 'composer-attach', input: 'composer-file', chip: 'composer-attachment' },
    initial: draft.attachments,
    onChange: () => {
      persist();
      update();
    },
  });

  const form = h('form', {
    class: 'composer',
    'data-testid': 'composer',
    onsubmit: (ev) => {
      ev.preventDefault();
      submit();
    },
  },
  notice,
  subject,
  h('div', { class: 'composer-field' }, text, popup),
  files.chips,
  h('div', { class: 'composer-bar' },
    h('button', {
      class: 'icon-btn', type: 'button', title: t('composer.canned'), 'aria-label': t('composer.canned'), 'data-testid': 'canned-button',
      onclick: () => openCannedPicker(),
    }, icon('canned')),
    files.button,
    files.input,
    h('div', { class: 'emoji-wrap' },
      h('button', {
        class: 'icon-btn', type: 'button', title: t('composer.emoji'), 'aria-label': t('composer.emoji'), 'data-testid': 'emoji-button', onclick: () => emoji.toggle(),
      }, icon('smile')),
      emoji),
    h('span', { class: 'composer-hint muted' }, t('composer.hint', { key: isMac ? '⌘' : 'Ctrl' })),
    h('span', { class: 'topbar-spacer' }),
    send));
  replace(el, form);

  const persist = debounce(() => saveDraft(dialogId, { text: text.value, subject: isEmail() ? subject.value : '', attachments: files.list() }), 250);
  // pagehide fires on reload and tab close, where a pending debounce would be lost.
  const flush = () => persist.flush();
  window.addEventListener('pagehide', flush);

  text.addEventListener('input', () => {
    persist();
    if (text.value) sendTyping(dialogId);
    updateCanned();
  });
  subject.addEventListener('input', persist);
  text.addEventListener('keydown', onKey);
  text.addEventListener('blur', () => setTimeout(() => {
    if (!form.contains(document.activeElement)) popup.hidden = true;
  }, 150));

  // --- canned responses -------------------------------------------------
  let matches = [];
  let selected = 0;
  let slashStart = -1;

  function slashQuery() {
    const upto = text.value.slice(0, text.selectionStart);
    const m = upto.match(/(^|\s)\/([\p{L}\p{N}_-]*)$/u);
    if (!m) return null;
    slashStart = upto.length - m[2].length - 1;
    return m[2];
  }

  async function updateCanned() {
    const q = slashQuery();
    if (q === null) {
      popup.hidden = true;
      return;
    }
    const list = state.canned || await loadCanned();
    matches = matchCanned(list, q);
    selected = 0;
    renderPopup();
  }

  function renderPopup() {
    if (!matches.length) {
      replace(popup, h('div', { class: 'empty' }, state.canned?.length ? t('canned.noMatch') : t('canned.none')));
      popup.hidden = false;
      return;
    }
    replace(popup, matches.map((c, i) => h('div', {
      class: ['canned-opt', i === selected && 'is-selected'],
      role: 'option',
      'aria-selected': String(i === selected),
      'data-testid': 'canned-option',
      onmousedown: (ev) => {
        ev.preventDefault();
        choose(i);
      },
    },
    h('span', { class: 'canned-title' }, c.title),
    c.attachments?.length ? h('span', { class: 'muted', title: c.attachments.map((a) => a.filename).join(', ') }, icon('clip'), c.attachments.length) : null,
    c.shortcut ? h('kbd', {}, `/${c.shortcut}`) : null,
    h('span', { class: 'canned-text muted' }, fillPlaceholders(c.text, dialog()).slice(0, 120)))));
    popup.hidden = false;
  }

  function choose(i) {
    const c = matches[i];
    if (!c) return;
    const filled = fillPlaceholders(c.text, dialog());
    const end = text.selectionStart;
    text.setRangeText(filled, slashStart, end, 'end');
    // The response's files (a price list, an offer) go with the reply;
    // the manager can still remove them before sending.
    if (c.attachments?.length) files.add(c.attachments);
    popup.hidden = true;
    text.focus();
    persist();
  }

  function openCannedPicker() {
    text.focus();
    const pos = text.selectionStart;
    const before = text.value.slice(0, pos);
    const sep = before && !/\s$/.test(before) ? ' ' : '';
    text.setRangeText(`${sep}/`, pos, text.selectionEnd, 'end');
    updateCanned();
  }

  function onKey(ev) {
    if (!popup.hidden && matches.length) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        selected = (selected + (ev.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
        renderPopup();
        ev.preventDefault();
        return;
      }
      if ((ev.key === 'Enter' && !ev.ctrlKey && !ev.metaKey) || ev.key === 'Tab') {
        choose(selected);
        ev.preventDefault();
        return;
      }
    }
    if (ev.key === 'Escape') {
      if (!popup.hidden) {
        popup.hidden = true;
      } else {
        text.blur();
      }
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      submit();
    }
  }

  function insertAtCaret(s) {
    text.focus();
    text.setRangeText(s, text.selectionStart, text.selectionEnd, 'end');
    persist();
  }

  // --- sending ----------------------------------------------------------
  function canReply() {
    const d = dialog();
    if (!d) return false;
    if (d.status === 'closed') return false;
    return d.assignee_id === state.me.id || isSupervisor();
  }

  async function submit() {
    const body = text.value.trim();
    const attachments = files.list();
    if ((!body && !attachments.length) || sending || !canReply()) return;
    if (files.busy()) {
      toast(t('attach.busy'), 'error');
      return;
    }
    sending = true;
    update();
    try {
      await sendMessage(dialogId, { text: body, subject: isEmail() ? subject.value.trim() : '', attachments });
      text.value = '';
      files.set([]);
      clearDraft(dialogId);
      persist.flush();
    } catch (e) {
      // The text stays in the box and in the draft, ready to send again.
      toast(errorText(e), 'error');
    } finally {
      sending = false;
      update();
      text.focus();
    }
  }

  function update() {
    const d = dialog();
    const ok = canReply();
    send.disabled = !ok || sending;
    files.button.disabled = !ok;
    subject.hidden = !isEmail();
    if (isEmail() && !subject.value && d?.subject) subject.value = /^re:/i.test(d.subject) ? d.subject : `Re: ${d.subject}`;
    notice.hidden = ok || !d;
    if (!d || ok) return;
    if (d.status === 'closed') {
      replace(notice, t('composer.closed'));
    } else if (!d.assignee_id) {
      replace(notice, t('composer.takeFirst'), ' ',
        h('button', { class: 'link-btn', type: 'button', onclick: () => dialogAction('take', d.id) }, t('action.take')));
    } else {
      replace(notice, t('composer.notYours'));
    }
  }
  update();

  const api = {
    update,
    focus: () => text.focus(),
    insert: (s) => {
      text.value = s;
      persist();
      text.focus();
    },
    dispose: () => {
      persist.flush();
      window.removeEventListener('pagehide', flush);
      if (active === api) active = null;
    },
  };
  active = api;
  return api;
}
