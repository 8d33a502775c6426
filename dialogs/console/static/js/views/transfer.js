// The transfer dialog: hand a dialog to a manager or to a team's queue.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { state } from '../store/state.js';
import { dialogAction, loadDirectory } from '../store/actions.js';

/** openTransfer shows the modal transfer dialog for a dialog id. */
export async function openTransfer(dialogId) {
  if (!state.managers.size || !state.allTeams.size) await loadDirectory();
  const managers = [...state.managers.values()]
    .filter((m) => m.id !== state.me.id && !m.disabled)
    .sort((a, b) => rank(a) - rank(b) || (a.name || '').localeCompare(b.name || ''));
  const teams = [...state.allTeams.values()].sort((a, b) => a.name.localeCompare(b.name));

  let kind = managers.length ? 'manager' : 'team';
  const managerSel = h('select', { id: 'transfer-manager', class: 'select', 'data-testid': 'transfer-manager' },
    managers.map((m) => h('option', { value: m.id },
      `${m.name || m.login} — ${t(`presence.${m.presence || 'offline'}`)}, ${m.load ?? 0}/${m.capacity ?? '∞'}`)));
  const teamSel = h('select', { id: 'transfer-team', class: 'select', 'data-testid': 'transfer-team' },
    teams.map((tm) => h('option', { value: tm.id }, tm.name)));
  const error = h('p', { class: 'form-error', role: 'alert' });

  const radio = (value, testid, label) => h('label', { class: 'radio' },
    h('input', {
      type: 'radio', name: 'transfer-kind', value, checked: kind === value, 'data-testid': testid,
      onchange: () => { kind = value; sync(); },
    }), label);

  const managerRow = h('div', { class: 'field' }, h('label', { for: 'transfer-manager' }, t('transfer.manager')), managerSel);
  const teamRow = h('div', { class: 'field' }, h('label', { for: 'transfer-team' }, t('transfer.team')), teamSel);
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'transfer-submit' }, t('action.transfer'));

  const dlg = h('dialog', { class: 'modal', 'aria-labelledby': 'transfer-title', 'data-testid': 'transfer-dialog' },
    h('form', {
      method: 'dialog',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const target = kind === 'manager' ? { manager_id: Number(managerSel.value) } : { team_id: Number(teamSel.value) };
        if (!Object.values(target)[0]) {
          error.textContent = t('transfer.pick');
          return;
        }
        submit.disabled = true;
        const ok = await dialogAction('transfer', dialogId, target);
        submit.disabled = false;
        if (ok) dlg.close();
      },
    },
    h('h2', { id: 'transfer-title' }, t('transfer.title', { id: dialogId })),
    h('div', { class: 'radios', role: 'radiogroup' },
      radio('manager', 'transfer-kind-manager', t('transfer.toManager')),
      radio('team', 'transfer-kind-team', t('transfer.toTeam'))),
    managerRow, teamRow, error,
    h('div', { class: 'modal-actions' },
      h('button', { class: 'btn', type: 'button', 'data-testid': 'transfer-cancel', onclick: () => dlg.close() }, t('action.cancel')),
      submit)));

  function sync() {
    managerRow.hidden = kind !== 'manager';
    teamRow.hidden = kind !== 'team';
    error.textContent = '';
  }
  sync();
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  (kind === 'manager' ? managerSel : teamSel).focus();
}

// Online managers first, then away, then offline.
function rank(m) {
  return { online: 0, away: 1 }[m.presence] ?? 2;
}
