// The login form.
import { h, replace } from '../dom.js';
import { api, setCsrf } from '../api.js';
import { t, errorText, languages, getLang, setLang } from '../i18n.js';

/** mountLogin shows the login form in root; onSignedIn runs after a good login. */
export function mountLogin(root, { onSignedIn }) {
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'login-error' });
  const login = h('input', {
    id: 'login-login', name: 'login', autocomplete: 'username', required: true, 'data-testid': 'login-login',
  });
  const password = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password',
  });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', 'data-testid': 'login-submit' }, t('login.submit'));

  const form = h('form', {
    class: 'login-card',
    'data-testid': 'login-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      try {
        const res = await api.login(login.value.trim(), password.value);
        setCsrf(res.csrf_token);
        password.value = '';
        onSignedIn(res);
      } catch (e) {
        error.textContent = e.status === 401 ? t('login.bad') : e.status === 429 ? t('login.rate') : errorText(e);
        password.select();
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('div', { class: 'login-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Switchboard'),
  h('h1', {}, t('login.title')),
  h('label', { for: 'login-login' }, t('login.login')), login,
  h('label', { for: 'login-password' }, t('login.password')), password,
  error,
  submit,
  h('div', { class: 'login-lang' }, languages.map((l) => h('button', {
    type: 'button',
    class: ['link-btn', l.code === getLang() && 'is-active'],
    'aria-pressed': String(l.code === getLang()),
    'data-testid': `lang-${l.code}`,
    onclick: () => {
      setLang(l.code);
      mountLogin(root, { onSignedIn });
    },
  }, l.label))));

  replace(root, h('main', { class: 'login-page' }, form));
  login.focus();
}
