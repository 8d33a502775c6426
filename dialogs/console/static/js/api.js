// Client of the agent HTTP API (/api/v1). Every call returns the decoded
// JSON body or throws an ApiError carrying the server's {error, message}.
// The session lives in an HttpOnly cookie; every non-GET request carries
// the CSRF token from the login or /me answer.

const base = '/api/v1';

/** ApiError is a failed API call: HTTP status (0 for a network failure), code and text. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

let csrfToken = '';
const unauthorizedHandlers = new Set();

/** setCsrf stores the token to send with writes. */
export function setCsrf(token) { csrfToken = token || ''; }

/** onUnauthorized registers fn to run when the session is gone (401). */
export function onUnauthorized(fn) { unauthorizedHandlers.add(fn); }

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  // A FormData body sets its own multipart Content-Type with the boundary.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined || form ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { /* empty or not JSON */ }
  if (!res.ok) {
    const err = new ApiError(res.status, data?.error || `http_${res.status}`, data?.message || res.statusText);
    // A 401 on login is a wrong password, not a lost session.
    if (res.status === 401 && path !== '/auth/login') unauthorizedHandlers.forEach((fn) => fn(err));
    throw err;
  }
  return data;
}

const get = (path, params) => request('GET', path + query(params));
const post = (path, body) => request('POST', path, body ?? {});

/** api is one function per endpoint of the contract. */
export const api = {
  login: (login, password) => post('/auth/login', { login, password }),
  logout: () => post('/auth/logout'),
  me: () => get('/me'),
  setPresence: (presence) => request('PUT', '/me/presence', { presence }),

  dialogs: (view, status, before, limit = 50) => get('/dialogs', { view, status, before, limit }),
  dialog: (id) => get(`/dialogs/${id}`),
  messages: (id, before, limit = 50) => get(`/dialogs/${id}/messages`, { before, limit }),
  send: (id, msg) => post(`/dialogs/${id}/messages`, msg),
  take: (id) => post(`/dialogs/${id}/take`),
  transfer: (id, target) => post(`/dialogs/${id}/transfer`, target),
  close: (id) => post(`/dialogs/${id}/close`),
  reopen: (id) => post(`/dialogs/${id}/reopen`),
  read: (id) => post(`/dialogs/${id}/read`),

  clients: (q, limit = 20) => get('/clients', { q, limit }),
  client: (id) => get(`/clients/${id}`),
  timeline: (id, before, limit = 50) => get(`/clients/${id}/timeline`, { before, limit }),
  candidates: (id) => get(`/clients/${id}/candidates`),
  merge: (candidateId) => post(`/candidates/${candidateId}/merge`),
  dismiss: (candidateId) => post(`/candidates/${candidateId}/dismiss`),

  managers: () => get('/managers'),
  teams: () => get('/teams'),
  overview: () => get('/supervisor/overview'),

  canned: () => get('/canned'),
  createCanned: (c) => post('/canned', c),
  updateCanned: (id, c) => request('PUT', `/canned/${id}`, c),
  deleteCanned: (id) => request('DELETE', `/canned/${id}`),

  /** upload stores a File; the answer's upload.key attaches it to a reply or canned response. */
  upload: (file) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request('POST', '/uploads', form);
  },
};

/** attachmentURL is where an attachment's bytes are served. */
export const attachmentURL = (id) => `${base}/attachments/${id}`;
