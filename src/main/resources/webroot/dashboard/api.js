// The dashboard API over fetch: JSON in and out, the JWT as a Bearer token, one error type.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = () => {};
/** Called when a request with the session's token gets 401 (expired or revoked): sign in again. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/**
 * api('GET', '/api/conversations', {query: {status: 'open'}})
 * api('POST', '/api/assistants', {body: {...}})
 * Resolves to the parsed body; rejects with an ApiError.
 */
export async function api(method, path, { query, body, auth = true } = {}) {
  const url = new URL(path, location.origin);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    }
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && session.token) headers.Authorization = 'Bearer ' + session.token;

  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network_error', 'The server cannot be reached. Check your connection and try again.');
  }
  let data = null;
  try {
    data = await response.json();
  } catch { /* handled below */ }

  if (response.ok && data) return data;
  const code = data?.error?.code ?? 'bad_response';
  const message = data?.error?.message ?? `The server answered ${response.status}.`;
  if (response.status === 401 && auth) onUnauthorized(message);
  const error = new ApiError(response.status, code, message);
  if (response.status === 429) error.retryAfter = Number(response.headers.get('Retry-After')) || null;
  throw error;
}

/** Fetches every page of a list endpoint (items + nextCursor), up to maxPages. */
export async function listAll(path, { query = {}, maxPages = 20 } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const data = await api('GET', path, { query: { ...query, limit: 200, cursor } });
    items.push(...data.items);
    cursor = data.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** A human sentence for an error, for forms and toasts. */
export function describe(error) {
  if (error instanceof ApiError) {
    if (error.status === 403 && error.code === 'forbidden') return 'Your role does not allow this. Ask an owner or admin.';
    return error.message;
  }
  return 'Something went wrong: ' + (error?.message ?? error);
}
