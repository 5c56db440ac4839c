/**
 * A small HTTP client for the web API tests, on node:http so that every header (Host, Origin,
 * Sec-Fetch-Site, Cookie) is exactly what the test says: like a browser, it keeps the cookies
 * the server sets and sends the page's Origin and the CSRF token, unless told otherwise.
 */
import http from 'node:http';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { TestShell, type TestWorld } from './helpers.js';

export interface WebAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  csrf = '';
  readonly origin: string;

  constructor(readonly base: URL) {
    this.origin = base.origin;
  }

  /** One request; `headers` override the browser-like defaults (a value of '' removes one). */
  request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<WebAnswer> {
    const h: Record<string, string> = {};
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET') {
      h.origin = this.origin;
      h['sec-fetch-site'] = 'same-origin';
      if (this.csrf !== '') h['x-csrf-token'] = this.csrf;
    }
    let payload: Buffer | undefined;
    if (Buffer.isBuffer(body)) {
      payload = body;
      h['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      h['content-type'] = 'application/json';
    }
    for (const [k, v] of Object.entries(headers)) {
      if (v === '') delete h[k.toLowerCase()];
      else h[k.toLowerCase()] = v;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(url, this.base), { method, headers: h }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair] = c.split(';');
            const eq = (pair as string).indexOf('=');
            this.cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
          }
          const text = Buffer.concat(chunks).toString('utf8');
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
      if (payload) req.write(payload);
      req.end();
    });
  }

  get = (url: string, headers?: Record<string, string>): Promise<WebAnswer> => this.request('GET', url, undefined, headers);
  post = (url: string, body: unknown = {}, headers?: Record<string, string>): Promise<WebAnswer> => this.request('POST', url, body, headers);

  /** GET /api/session (which sets the cookie and gives the CSRF token), then logs in. */
  async login(userId: string, password: string): Promise<WebAnswer> {
    const s = await this.get('/api/session');
    this.csrf = s.json.csrfToken;
    const r = await this.post('/api/session/login', { userId, password });
    if (r.status === 200) this.csrf = r.json.csrfToken;
    return r;
  }

  /** Opens the event stream; `events` collects what arrives, `bytes()` counts every byte of the body so far. */
  events(): { events: Array<{ event: string; data: unknown; at: number }>; bytes(): number; close(): void; ready: Promise<void> } {
    const events: Array<{ event: string; data: unknown; at: number }> = [];
    let bytes = 0;
    let request: http.ClientRequest | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      request = http.get(new URL('/api/events', this.base), { headers: { cookie } }, (res) => {
        let buffer = '';
        const decoder = new StringDecoder('utf8');
        res.on('data', (raw: Buffer) => {
          bytes += raw.length;
          buffer += decoder.write(raw);
          if (buffer.includes(': open')) resolve();
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data), at: Date.now() });
          }
        });
        res.on('error', () => undefined);
      });
      request.on('error', reject);
    });
    return { events, ready, bytes: () => bytes, close: () => request?.destroy() };
  }
}

/** A client of `world` serving the web interface on a free loopback port; resolves once it listens. */
export async function startWebShell(world: TestWorld, name: string, extra: string[] = []): Promise<{ shell: TestShell; web: WebClient }> {
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (listening = resolve));
  const argv = ['--data-dir', path.join(world.dir, name), '--web', '127.0.0.1:0', ...extra, '127.0.0.1:0', world.infoFile];
  const shell = new TestShell(argv, { onWebListening: (u) => listening(u), env: { HOME: world.dir } });
  const base = await Promise.race([url, shell.exit.then((status) => Promise.reject(new Error(`client ended with ${status}: ${shell.err}`)))]);
  return { shell, web: new WebClient(new URL(base)) };
}

/**
 * The start of most two-member web tests: alice's and bob's web shells, both accounts made
 * through alice's page, both logged in through their own pages, and alice's group `lab`.
 */
export async function aliceAndBobWithLab(world: TestWorld, aliceArgs: string[] = []): Promise<{ alice: { shell: TestShell; web: WebClient }; bob: { shell: TestShell; web: WebClient } }> {
  const alice = await startWebShell(world, 'alice', aliceArgs);
  const bob = await startWebShell(world, 'bob');
  alice.web.csrf = (await alice.web.get('/api/session')).json.csrfToken;
  await alice.web.post('/api/accounts', { userId: 'alice', password: 'alice-password' });
  await alice.web.post('/api/accounts', { userId: 'bob', password: 'bob-password' });
  await alice.web.login('alice', 'alice-password');
  await bob.web.login('bob', 'bob-password');
  await alice.web.post('/api/groups', { groupId: 'lab' });
  return { alice, bob };
}
