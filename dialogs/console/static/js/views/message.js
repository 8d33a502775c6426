// One message of the conversation. Text is shown as text (pre-wrapped);
// a letter's HTML, already sanitized by the server, is shown only on
// request and only inside a sandboxed iframe with no permissions at all.
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n.js';
import { clockTime, fullTime, fileSize } from '../format.js';
import { attachmentURL } from '../api.js';
import { managerName } from '../store/state.js';

const statusIcons = { queued: 'clock', sent: 'check', delivered: 'checks', read: 'checks', failed: 'alert' };

/** renderMessage builds a message element; onRetry puts a failed text back in the composer. */
export function renderMessage(m, { onRetry } = {}) {
  const out = m.direction === 'out';
  const el = h('article', {
    class: ['msg', out ? 'msg-out' : 'msg-in', m.automated && 'msg-auto'],
    'data-testid': 'message',
    'data-message-id': m.id,
    'data-direction': m.direction,
    'data-status': m.status || '',
  });
  const bubble = h('div', { class: 'bubble' },
    m.subject ? h('div', { class: 'msg-subject' }, m.subject) : null,
    m.text ? h('div', { class: 'msg-text' }, m.text) : null,
    !m.text && !m.html && !m.attachments?.length ? h('div', { class: 'msg-text muted' }, t('msg.empty')) : null,
    m.html ? htmlToggle(m.html) : null,
    m.attachments?.length ? attachments(m.attachments) : null);
  el.append(bubble, meta(m, out), out && m.status === 'failed' ? failure(m, onRetry) : '');
  return el;
}

function meta(m, out) {
  return h('div', { class: 'msg-meta' },
    out && m.author_id ? h('span', { class: 'msg-author' }, managerName(m.author_id)) : null,
    m.automated ? h('span', { class: 'chip chip-muted' }, t('msg.automated')) : null,
    h('time', { datetime: m.created_at, title: fullTime(m.created_at) }, clockTime(m.created_at)),
    out ? statusMark(m) : null);
}

/** statusMark is the delivery tick of an outgoing message. */
export function statusMark(m) {
  const s = m.status || 'queued';
  return h('span', {
    class: `tick tick-${s}`, title: t(`msgstatus.${s}`), role: 'img', 'aria-label': t(`msgstatus.${s}`), 'data-testid': 'message-status',
  }, icon(statusIcons[s] || 'clock'));
}

function failure(m, onRetry) {
  return h('div', { class: 'msg-failure', role: 'alert' },
    icon('alert'), h('span', {}, m.error || t('msgstatus.failed')),
    onRetry ? h('button', { class: 'link-btn', type: 'button', onclick: () => onRetry(m) }, t('msg.retry')) : null);
}

function htmlToggle(html) {
  const holder = h('div', { class: 'msg-html' });
  const btn = h('button', {
    class: 'link-btn',
    type: 'button',
    'aria-expanded': 'false',
    onclick: () => {
      const open = btn.getAttribute('aria-expanded') === 'true';
      btn.setAttribute('aria-expanded', String(!open));
      btn.textContent = open ? t('msg.showHtml') : t('msg.hideHtml');
      if (open) {
        holder.replaceChildren();
      } else {
        // sandbox="" forbids scripts, forms, navigation and same-origin
        // access; the page's CSP is inherited, so remote images stay out.
        holder.append(h('iframe', {
          sandbox: '', srcdoc: html, title: t('msg.htmlTitle'), class: 'msg-frame', referrerpolicy: 'no-referrer',
        }));
      }
    },
  }, t('msg.showHtml'));
  return h('div', {}, btn, holder);
}

function attachments(list) {
  return h('div', { class: 'attachments' }, list.map((a) => {
    const url = attachmentURL(a.id);
    if (/^image\/(png|jpe?g|gif|webp|avif|bmp)$/i.test(a.content_type || '')) {
      return h('a', { class: 'att-image', href: url, target: '_blank', rel: 'noopener', title: a.filename },
        h('img', { src: url, alt: a.filename || t('msg.image'), loading: 'lazy' }));
    }
    return h('a', { class: 'att-file', href: url, download: a.filename || '', 'data-testid': 'attachment' },
      icon('file'), h('span', { class: 'att-name' }, a.filename || t('msg.file')), h('span', { class: 'muted' }, fileSize(a.size)), icon('download'));
  }));
}
