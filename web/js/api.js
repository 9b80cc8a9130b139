// The node's JSON API, as the signed-in browser: the session travels in an HttpOnly cookie and
// every change carries the session's CSRF token (README "The staff's web app").

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

// A refusal from the node: `{"error": {"code", "message", "field"?, "allowed"?}}`.
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `the node answered ${status}`);
    this.status = status;
    this.code = error.code || 'http_' + status;
    this.field = error.field || null;
    this.allowed = error.allowed || null;
  }
}

// Called with every 401, so the app can show the sign-in screen.
let unauthorized = () => {};
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export async function api(method, path, body) {
  return (await exchange(method, path, body)).data;
}

// A page of a list and the cursor of the next one (the node's `X-Next-Cursor`; null on the last).
export async function getPage(path) {
  const { data, response } = await exchange('GET', path);
  return { rows: data, next: (response && response.headers.get('X-Next-Cursor')) || null };
}

async function exchange(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch('/api' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { error: { code: 'unreachable', message: 'this workstation’s kct node is not answering' } });
  }
  if (response.status === 204) return { data: null, response };
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && path !== '/session') unauthorized(error);
    throw error;
  }
  return { data, response };
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

// A path segment: order numbers, ids and e-mails as they are, escaped.
export const seg = (text) => encodeURIComponent(text);

// `?a=1&b=2` from an object, leaving out empty values.
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}
