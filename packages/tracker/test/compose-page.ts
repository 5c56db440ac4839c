/**
 * The few web API calls a person makes in a headless peer's page (docs/web-api.md), over fetch:
 * the session cookie, and the CSRF token every state change carries.
 */
export class PageSession {
  private cookie = '';
  private csrf = '';

  constructor(readonly base: string) {}

  async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<any> {
    const headers: Record<string, string> = {};
    if (this.cookie !== '') headers.cookie = this.cookie;
    if (method === 'POST' && this.csrf !== '') headers['x-csrf-token'] = this.csrf;
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(body)) {
      headers['content-type'] = 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const reply = await fetch(new URL(url, this.base), { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    const cookies = reply.headers.getSetCookie();
    if (cookies.length > 0) this.cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    const text = await reply.text();
    if (!reply.ok) throw new Error(`${method} ${url}: ${reply.status} ${text}`);
    const json = text.startsWith('{') ? (JSON.parse(text) as { csrfToken?: string }) : text;
    if (typeof json === 'object' && typeof json.csrfToken === 'string') this.csrf = json.csrfToken;
    return json;
  }
}
