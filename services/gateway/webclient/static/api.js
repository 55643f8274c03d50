// The fetch wrapper: keeps the access and refresh tokens, refreshes once on 401, signs out when
// the refresh fails, and turns the API's {"error": {"code", "message", "rule"}} into ApiError.

const SESSION_KEY = 'parta.session';
const BASE = '/api/v1';

const FALLBACK = {
  400: 'Проверьте введённые данные',
  401: 'Нужно войти заново',
  403: 'Недостаточно прав для этого действия',
  404: 'Не найдено',
  409: 'Действие запрещено правилами',
  429: 'Слишком много попыток',
  500: 'Что-то пошло не так. Попробуйте ещё раз чуть позже.',
  503: 'Сервис временно недоступен',
  504: 'Сервис не ответил вовремя',
};

export class ApiError extends Error {
  constructor(status, { code = '', message = '', rule = null, field = null } = {}, retryAfter = null) {
    super(message || FALLBACK[status] || `Ошибка ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.rule = rule || null;
    this.field = field || null; // the request field the error is about, when the server knows
    this.retryAfter = retryAfter;
  }
}

/** A message for people, in Russian: the server's text, the wait for 429, the network. */
export function errorText(error) {
  if (error instanceof TypeError || !(error instanceof Error)) {
    return 'Нет связи с сервером. Проверьте подключение и попробуйте ещё раз.';
  }
  if (!(error instanceof ApiError)) return error.message;
  let text = error.message;
  if (error.status === 429 && error.retryAfter) text += ` Повторите через ${error.retryAfter} с.`;
  return text;
}

export function session() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    return null;
  }
}

export function saveSession(tokens) {
  localStorage.setItem(
    SESSION_KEY,
    JSON.stringify({
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      user_id: tokens.user_id,
      session_id: tokens.session_id,
    }),
  );
}

/** Forget the tokens and tell the app (it shows the sign-in screen). */
export function clearSession() {
  const had = session() !== null;
  localStorage.removeItem(SESSION_KEY);
  if (had) window.dispatchEvent(new CustomEvent('parta:signed-out'));
}

let refreshing = null;

async function refreshTokens() {
  const current = session();
  if (!current?.refresh_token) return false;
  try {
    const response = await fetch(`${BASE}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    });
    if (!response.ok) return false;
    saveSession(await response.json());
    window.dispatchEvent(new CustomEvent('parta:tokens-refreshed'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Refresh the tokens now (one refresh at a time); signs out when that fails. The live connection
 * uses it when the server says its token expired.
 */
export async function refreshSession() {
  refreshing ??= refreshTokens().finally(() => {
    refreshing = null;
  });
  const ok = await refreshing;
  if (!ok) clearSession();
  return ok;
}

async function failure(response) {
  let body = {};
  try {
    body = (await response.json()).error || {};
  } catch {
    body = {};
  }
  const wait = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return new ApiError(response.status, body, Number.isFinite(wait) ? wait : null);
}

/**
 * Call the API. `auth: false` sends no token (sign-in, invite preview); `raw: true` returns the
 * Response (files, CSV). Throws ApiError on an error answer.
 */
export async function request(method, path, { body, auth = true, raw = false, retried = false } = {}) {
  const headers = { Accept: 'application/json' };
  const token = auth ? session()?.access_token : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && token && !retried) {
    refreshing ??= refreshTokens().finally(() => {
      refreshing = null;
    });
    if (await refreshing) return request(method, path, { body, auth, raw, retried: true });
    clearSession();
    throw new ApiError(401, { code: 'unauthenticated', message: 'Сессия завершилась: войдите снова' });
  }
  if (!response.ok) throw await failure(response);
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, body, options) => request('POST', path, { ...options, body }),
  patch: (path, body, options) => request('PATCH', path, { ...options, body }),
  put: (path, body, options) => request('PUT', path, { ...options, body }),
  del: (path, options) => request('DELETE', path, options),
};

/** The query string for `params`, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}
