// Inline SVG icons (24×24, stroke based), kept as constants so the console
// needs no icon font or sprite request. Only these constant strings are ever
// parsed as markup.
import { h } from './dom.js';

const paths = {
  mail: '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>',
  telegram: '<path d="M21 4 3 11l6 2 2 6 3-4 5 4z"/><path d="m9 13 8-6"/>',
  viber: '<path d="M12 3c5 0 8 2.5 8 8s-3 8-8 8c-1 0-2-.1-3-.4L5 21v-3.5C3.7 16 4 13 4 11c0-5.5 3-8 8-8z"/><path d="M10 8c0 3 2 5.5 5 6l1-1.3-2-1-1 .8c-1-.5-1.7-1.2-2.2-2.2l.8-1-1-2z"/>',
  vk: '<rect x="3" y="3" width="18" height="18" rx="5"/><path d="M7 9c.5 3.5 2.5 6 5.5 6v-2.5c1.2.2 2.3 1.2 2.8 2.5H18c-.6-2-2-3.3-3-3.8 1-.6 2.2-2 2.5-3.2h-2.3c-.4 1.2-1.4 2.4-2.7 2.6V9h-2v5c-1.2-.4-2.3-1.9-2.5-5z"/>',
  sms: '<path d="M4 5h16v11H9l-5 4z"/><path d="M8 10h.01M12 10h.01M16 10h.01"/>',
  webchat: '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z"/>',
  api: '<path d="m8 8-4 4 4 4M16 8l4 4-4 4M14 5l-4 14"/>',
  phone: '<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z"/>',
  chat: '<path d="M4 5h16v11H9l-5 4z"/>',
  send: '<path d="M4 12 20 4l-6 16-3-7z"/><path d="m11 13 9-9"/>',
  smile: '<circle cx="12" cy="12" r="9"/><path d="M8.5 14a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01"/>',
  canned: '<path d="M5 4h14v16l-7-4-7 4z"/>',
  clip: '<path d="m20 11-8.5 8.5a5 5 0 0 1-7-7L13 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L14 7"/>',
  check: '<path d="m5 12 5 5L20 7"/>',
  checks: '<path d="m2 12 5 5L17 7M12 16l1 1L23 7"/>',
  clock: '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
  alert: '<circle cx="12" cy="12" r="9"/><path d="M12 7v6M12 16.5h.01"/>',
  close: '<path d="M6 6l12 12M18 6 6 18"/>',
  user: '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
  building: '<path d="M4 21V4h10v17M14 9h6v12M8 8h2M8 12h2M8 16h2M3 21h18"/>',
  take: '<path d="M12 5v14M5 12h14"/>',
  transfer: '<path d="M4 8h13l-3-3M20 16H7l3 3"/>',
  archive: '<path d="M4 7h16v13H4zM3 4h18v3H3zM10 11h4"/>',
  reopen: '<path d="M4 12a8 8 0 1 0 2.5-5.8L4 8.5M4 4v4.5h4.5"/>',
  search: '<circle cx="11" cy="11" r="7"/><path d="m20 20-4-4"/>',
  keyboard: '<rect x="2" y="6" width="20" height="12" rx="2"/><path d="M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10"/>',
  logout: '<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11"/>',
  lead: '<path d="M3 5h18l-7 8v6l-4 2v-8z"/>',
  file: '<path d="M6 3h8l5 5v13H6z"/><path d="M14 3v5h5"/>',
  download: '<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>',
  merge: '<path d="M6 4v4a6 6 0 0 0 6 6h0a6 6 0 0 1 6 6M18 4v4a6 6 0 0 1-6 6"/>',
  edit: '<path d="M4 20h4L19 9l-4-4L4 16z"/>',
  trash: '<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>',
  bell: '<path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0"/>',
  gauge: '<path d="M4 18a8 8 0 1 1 16 0M12 14l4-5"/>',
  inbox: '<path d="M3 13h5l1 3h6l1-3h5M5 5h14l2 8v6H3v-6z"/>',
};

const cache = new Map();

/** icon returns a fresh SVG element for a named icon. */
export function icon(name, cls = '') {
  let tpl = cache.get(name);
  if (!tpl) {
    tpl = document.createElement('template');
    tpl.innerHTML = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${paths[name] || paths.chat}</svg>`;
    cache.set(name, tpl);
  }
  const svg = tpl.content.firstChild.cloneNode(true);
  svg.setAttribute('class', `icon ${cls}`.trim());
  return svg;
}

/** channelKind maps a channel instance name ("telegram:support") to its kind. */
export function channelKind(channel = '') {
  const kind = String(channel).split(':')[0].toLowerCase();
  return ['email', 'telegram', 'viber', 'vk', 'sms', 'webchat', 'api', 'phone'].includes(kind) ? kind : 'other';
}

const channelIcons = { email: 'mail', telegram: 'telegram', viber: 'viber', vk: 'vk', sms: 'sms', webchat: 'webchat', api: 'api', phone: 'phone', other: 'chat' };

/** channelIcon is a coloured badge for a channel, titled with its name. */
export function channelIcon(channel) {
  const kind = channelKind(channel);
  return h('span', { class: `ch ch-${kind}`, title: channel, role: 'img', 'aria-label': channel }, icon(channelIcons[kind]));
}
