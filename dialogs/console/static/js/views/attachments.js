// A list of files to send: an attach button with a hidden file input, and
// removable chips. Files are uploaded as soon as they are chosen, so what
// the list holds is always {key, filename, content_type, size} the API
// accepts by key — the composer and the canned response page both send
// just those keys.
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { fileSize } from '../format.js';
import { toast } from '../toast.js';

/**
 * attachmentPicker builds the widget. ids are the data-testids of the
 * button, the file input and each chip; onChange runs after every change
 * to the list (not while uploads are still running).
 */
export function attachmentPicker({ ids, initial = [], onChange = () => {} }) {
  let files = initial.filter((a) => a && a.key);
  let pending = 0;

  const input = h('input', {
    type: 'file', multiple: true, hidden: true, 'data-testid': ids.input,
    onchange: () => {
      const chosen = [...input.files];
      // Reset so choosing the same file again fires change again.
      input.value = '';
      chosen.forEach(upload);
    },
  });
  const button = h('button', {
    class: 'icon-btn', type: 'button', title: t('attach.add'), 'aria-label': t('attach.add'), 'data-testid': ids.button,
    onclick: () => input.click(),
  }, icon('clip'));
  const chips = h('div', { class: 'att-chips', hidden: true });

  async function upload(file) {
    pending++;
    render();
    try {
      const res = await api.upload(file);
      add([res.upload]);
    } catch (e) {
      toast(t('attach.failed', { name: file.name, reason: errorText(e) }), 'error');
    } finally {
      pending--;
      render();
    }
  }

  /** add appends files not in the list yet (by key). */
  function add(list) {
    for (const a of list || []) {
      if (a?.key && !files.some((f) => f.key === a.key)) files = [...files, a];
    }
    render();
    onChange();
  }

  function remove(key) {
    files = files.filter((f) => f.key !== key);
    render();
    onChange();
  }

  function render() {
    const items = files.map((a) => h('span', {
      class: 'chip att-chip', 'data-testid': ids.chip, 'data-key': a.key, title: a.filename,
    },
    icon('file'), h('span', { class: 'att-chip-name' }, a.filename), a.size ? h('span', { class: 'muted' }, fileSize(a.size)) : null,
    h('button', {
      class: 'att-chip-x', type: 'button', 'aria-label': t('attach.remove', { name: a.filename }), title: t('attach.remove', { name: a.filename }),
      'data-testid': `${ids.chip}-remove`, onclick: () => remove(a.key),
    }, icon('close'))));
    if (pending) items.push(h('span', { class: 'chip chip-muted', role: 'status' }, t('attach.uploading')));
    replace(chips, items);
    chips.hidden = !items.length;
  }
  render();

  return {
    button,
    input,
    chips,
    add,
    /** list is the files ready to send. */
    list: () => files,
    /** set replaces the list without calling onChange (loading a record). */
    set: (list) => {
      files = (list || []).filter((a) => a && a.key);
      render();
    },
    clear: () => {
      files = [];
      render();
      onChange();
    },
    /** busy reports uploads still running; sending must wait for them. */
    busy: () => pending > 0,
  };
}
