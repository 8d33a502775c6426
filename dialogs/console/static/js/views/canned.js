// The canned responses page: list, create, edit, delete. Placeholders
// ({{client.name}} …) are filled in the composer when a response is used;
// a response's files (a price list, an offer) are attached to the reply.
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { state } from '../store/state.js';
import { loadCanned } from '../store/actions.js';
import { toast } from '../toast.js';
import { attachmentPicker } from './attachments.js';

const scopes = ['personal', 'team', 'global'];
// Knowledge-base snippets are reply fragments (how to pay, delivery terms)
// kept apart from whole reply templates; both are offered in the composer.
const kinds = ['canned', 'snippet'];
const placeholders = ['{{client.name}}', '{{manager.name}}', '{{dialog.id}}'];

/** mountCannedPage builds the page in el. */
export function mountCannedPage(el, sc) {
  let editing = null; // the canned response being edited, or null for a new one
  const rows = h('tbody');
  const filter = h('input', { type: 'search', class: 'input', placeholder: t('canned.filter'), 'aria-label': t('canned.filter'), oninput: () => render() });

  const title = h('input', { id: 'canned-title', class: 'input', required: true, maxlength: '200', 'data-testid': 'canned-title' });
  const shortcut = h('input', { id: 'canned-shortcut', class: 'input', pattern: '[\\p{L}\\p{N}_\\-]*', maxlength: '40', 'data-testid': 'canned-shortcut' });
  const scopeSel = h('select', { id: 'canned-scope', class: 'select', 'data-testid': 'canned-scope' }, scopes.map((s) => h('option', { value: s }, t(`scope.${s}`))));
  const kindSel = h('select', { id: 'canned-kind', class: 'select', 'data-testid': 'canned-kind' }, kinds.map((k) => h('option', { value: k }, t(`kind.${k}`))));
  const text = h('textarea', { id: 'canned-text', class: 'input', rows: '6', required: true, 'data-testid': 'canned-text' });
  const files = attachmentPicker({ ids: { button: 'canned-attach', input: 'canned-file', chip: 'canned-attachment' } });
  const formTitle = h('h2', {});
  const save = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'canned-save' }, t('action.save'));
  const cancel = h('button', { class: 'btn', type: 'button', onclick: () => edit(null) }, t('action.cancel'));

  const form = h('form', {
    class: 'panel canned-form',
    'data-testid': 'canned-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (files.busy()) {
        toast(t('attach.busy'), 'error');
        return;
      }
      const attachments = files.list().map(({ key, filename, content_type: type }) => ({ key, filename, content_type: type }));
      const body = { title: title.value.trim(), shortcut: shortcut.value.trim().replace(/^\//, ''), text: text.value, scope: scopeSel.value, kind: kindSel.value, attachments };
      save.disabled = true;
      try {
        if (editing) await api.updateCanned(editing.id, body);
        else await api.createCanned(body);
        toast(t('canned.saved'), 'ok');
        edit(null);
        await loadCanned(true);
      } catch (e) {
        toast(errorText(e), 'error');
      } finally {
        save.disabled = false;
      }
    },
  },
  formTitle,
  h('label', { for: 'canned-title' }, t('canned.titleField')), title,
  h('div', { class: 'field-row' },
    h('div', { class: 'field' }, h('label', { for: 'canned-shortcut' }, t('canned.shortcut')), shortcut),
    h('div', { class: 'field' }, h('label', { for: 'canned-scope' }, t('canned.scope')), scopeSel),
    h('div', { class: 'field' }, h('label', { for: 'canned-kind' }, t('canned.kind')), kindSel)),
  h('label', { for: 'canned-text' }, t('canned.text')), text,
  h('div', { class: 'chips' }, h('span', { class: 'muted' }, t('canned.insert')), placeholders.map((p) => h('button', {
    class: 'chip chip-btn', type: 'button', onclick: () => { text.focus(); text.setRangeText(p, text.selectionStart, text.selectionEnd, 'end'); },
  }, p))),
  h('div', { class: 'field-files' }, h('span', { class: 'muted' }, t('canned.files')), files.button, files.input),
  files.chips,
  h('div', { class: 'modal-actions' }, cancel, save));

  replace(el, h('div', { class: 'sheet', 'data-testid': 'canned-page' },
    h('div', { class: 'sheet-head' }, h('h1', {}, t('canned.title')), h('p', { class: 'muted' }, t('canned.lead'))),
    h('div', { class: 'sheet-grid sheet-grid-wide' },
      h('section', { class: 'panel' },
        h('div', { class: 'panel-tools' }, filter),
        h('table', { class: 'table', 'data-testid': 'canned-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('canned.titleField')), h('th', { scope: 'col' }, t('canned.shortcut')), h('th', { scope: 'col' }, t('canned.scope')), h('th', { scope: 'col' }, t('canned.text')), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('canned.actions'))))),
          rows)),
      form)));

  function edit(c) {
    editing = c;
    formTitle.textContent = c ? t('canned.edit') : t('canned.new');
    title.value = c?.title || '';
    shortcut.value = c?.shortcut || '';
    scopeSel.value = c?.scope || 'personal';
    kindSel.value = c?.kind || 'canned';
    text.value = c?.text || '';
    files.set(c?.attachments || []);
    cancel.hidden = !c;
    if (c) title.focus();
  }

  async function remove(c) {
    if (!confirm(t('canned.deleteConfirm', { title: c.title }))) return;
    try {
      await api.deleteCanned(c.id);
      if (editing?.id === c.id) edit(null);
      await loadCanned(true);
    } catch (e) {
      toast(errorText(e), 'error');
    }
  }

  function render() {
    if (!state.canned) {
      replace(rows, h('tr', {}, h('td', { colspan: '5', class: 'muted' }, t('list.loading'))));
      return;
    }
    const q = filter.value.trim().toLowerCase();
    const list = state.canned.filter((c) => !q || `${c.title} ${c.shortcut} ${c.text}`.toLowerCase().includes(q));
    replace(rows, list.length ? list.map((c) => h('tr', { 'data-testid': 'canned-row', 'data-canned-id': c.id },
      h('td', {}, c.title, c.attachments?.length ? [' ', h('span', {
        class: 'chip chip-muted', title: c.attachments.map((a) => a.filename).join(', '), 'data-testid': 'canned-row-files',
      }, icon('clip'), t('canned.filesCount', { n: c.attachments.length }))] : null),
      h('td', {}, c.shortcut ? h('kbd', {}, `/${c.shortcut}`) : ''),
      h('td', {}, h('span', { class: 'chip' }, t(`scope.${c.scope}`)), ' ', c.kind === 'snippet' ? h('span', { class: 'chip chip-muted', 'data-testid': 'canned-row-kind' }, t('kind.snippet')) : null),
      h('td', { class: 'canned-cell' }, c.text),
      h('td', { class: 'row-actions' },
        h('button', { class: 'icon-btn', type: 'button', title: t('action.edit'), 'aria-label': `${t('action.edit')}: ${c.title}`, 'data-testid': 'canned-edit', onclick: () => edit(c) }, icon('edit')),
        h('button', { class: 'icon-btn', type: 'button', title: t('action.delete'), 'aria-label': `${t('action.delete')}: ${c.title}`, 'data-testid': 'canned-delete', onclick: () => remove(c) }, icon('trash'))))) : h('tr', {}, h('td', { colspan: '5', class: 'muted' }, t('canned.none'))));
  }

  sc.on('canned', render);
  edit(null);
  render();
  loadCanned(true);
}
