/**
 * HTTP calls to an admin server as a browser or a script makes them, with full control of the
 * headers a browser sets itself (Host, Origin, Cookie), which fetch() would not let a test forge.
 */
import http from 'node:http';
import type { AdminServer } from '../src/index.js';

export interface AdminReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface CallOptions {
  headers?: Record<string, string>;
  body?: unknown;
}

/** One request to the admin server on 127.0.0.1:`port`; Host defaults to 127.0.0.1:`port`. */
export function adminCall(port: number, method: string, path: string, opts: CallOptions = {}): Promise<AdminReply> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A browser's session on the admin page: its cookie and CSRF token, and same-origin calls. */
export class AdminBrowser {
  private constructor(
    readonly port: number,
    readonly cookie: string,
    readonly csrf: string,
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Logs in as the page does: a same-origin POST of the password (or token). */
  static async login(server: AdminServer, password: string): Promise<AdminBrowser> {
    const reply = await adminCall(server.port, 'POST', '/api/login', { body: { password }, headers: { origin: `http://127.0.0.1:${server.port}` } });
    if (reply.status !== 200) throw new Error(`admin login failed: ${reply.status} ${reply.text}`);
    const setCookie = reply.headers['set-cookie']?.[0] ?? '';
    return new AdminBrowser(server.port, setCookie.split(';')[0]!, reply.json.csrfToken as string);
  }

  get(path: string): Promise<AdminReply> {
    return adminCall(this.port, 'GET', path, { headers: { cookie: this.cookie } });
  }

  /** A POST as the page sends it: cookie, Origin and CSRF token (each can be overridden, or left out with null). */
  post(path: string, body: unknown, headers: Record<string, string | null> = {}): Promise<AdminReply> {
    const all: Record<string, string | null> = { cookie: this.cookie, origin: this.origin, 'x-csrf-token': this.csrf, ...headers };
    const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
    return adminCall(this.port, 'POST', path, { body, headers: sent });
  }
}

/** `Authorization: Bearer <token>`, as a script calls the API. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
