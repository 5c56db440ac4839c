/**
 * The peer's JSON API as the pages call it: same-origin fetch with the session cookie, every
 * state change a POST carrying the CSRF token from GET /api/session, and errors turned into
 * ApiError with the server's stable code (ERR_...) so a page can show the message as text.
 */

/** An API call that failed: `code` is the server's stable code, or ERR_NETWORK / ERR_HTTP_<status>. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken = '';

/** Remembers the CSRF token the session handed out (GET /api/session). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token ?? '';
}

async function request<T>(method: 'GET' | 'POST', url: string, body?: unknown, raw?: Blob | ArrayBuffer): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method === 'POST') headers['X-CSRF-Token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (raw !== undefined) {
    headers['Content-Type'] = 'application/octet-stream';
    payload = raw;
  } else if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError('ERR_NETWORK', `the peer does not answer (${(err as Error).message})`, 0);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(error?.code ?? `ERR_HTTP_${res.status}`, error?.message ?? `${res.status} ${res.statusText}`, res.status);
  }
  return json as T;
}

/** GET `url` (relative to the page's origin). */
export function get<T>(url: string): Promise<T> {
  return request<T>('GET', url);
}

/** POST JSON `body` to `url` with the CSRF token. */
export function post<T = Record<string, never>>(url: string, body?: unknown): Promise<T> {
  return request<T>('POST', url, body);
}

/** POST raw bytes (a browser upload) to `url` with the CSRF token. */
export function postBytes<T>(url: string, bytes: Blob | ArrayBuffer): Promise<T> {
  return request<T>('POST', url, undefined, bytes);
}

/** `encodeURIComponent` for one path segment (group ids and file names are user input). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** The message to show for any failure, as plain text. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
