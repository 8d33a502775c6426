// A small built-in emoji picker: the set managers actually use with
// clients, no image files, keyboard reachable.
import { h } from '../dom.js';
import { t } from '../i18n.js';

const set = [
  '🙂', '😊', '😀', '😉', '😅', '🙏', '👍', '👌', '👋', '🤝', '💪', '🎉',
  '✅', '❌', '⚠️', '❗', '❓', '💡', '📞', '📧', '📦', '🚚', '⏰', '📅',
  '💳', '💰', '📄', '📎', '🔧', '🔥', '⭐', '❤️', '😔', '😢', '🤔', '😮',
];

/** emojiPicker returns a popover; onPick gets the chosen emoji. */
export function emojiPicker(onPick) {
  const pop = h('div', { class: 'popover emoji-pop', role: 'dialog', 'aria-label': t('composer.emoji'), hidden: true, 'data-testid': 'emoji-picker' },
    h('div', { class: 'emoji-grid' }, set.map((e) => h('button', {
      type: 'button', class: 'emoji', onclick: () => { pop.hidden = true; onPick(e); },
    }, e))));
  pop.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      pop.hidden = true;
      ev.stopPropagation();
    }
  });
  pop.toggle = () => {
    pop.hidden = !pop.hidden;
    if (!pop.hidden) pop.querySelector('button')?.focus();
  };
  return pop;
}
