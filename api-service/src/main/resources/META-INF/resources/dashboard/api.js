// The API, called with this tab's bearer token. The token is kept in sessionStorage: it goes
// with the tab and is never written anywhere else.
const TOKEN_KEY = 'redis-migrate.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Sends a request; resolves to the JSON answer (null for 204), rejects with an ApiError. */
export async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${token.get() ?? ''}`, Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  if (response.status === 204) {
    return null;
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, answer?.message ?? `${response.status} ${response.statusText}`);
  }
  return answer;
}
