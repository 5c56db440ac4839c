/**
 * Who is calling the web API: browser sessions (a random id in the `gs_<port>` cookie, each with
 * its CSRF token) and API tokens for scripts (made by a logged-in user, kept only as SHA-256
 * hashes in `web-tokens.json`, 0600). Both are worth something only while the peer is logged in
 * to the trackers as the same user; when the peer logs out, every browser session is logged out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WebError } from './web-error.js';

export interface WebSession {
  id: string;
  csrf: string;
  /** Set once logged in from this browser. */
  userId?: string;
  lastSeen: number;
}

/** Sessions kept at most, beyond which anonymous ones go (each GET /api/session without a cookie makes one). */
const MAX_SESSIONS = 500;

const random = (): string => randomBytes(32).toString('base64url');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class WebSessions {
  private readonly byId = new Map<string, WebSession>();

  get(id: string | undefined): WebSession | undefined {
    if (id === undefined) return undefined;
    const s = this.byId.get(id);
    if (s) {
      // Map order is least recently used first: move it to the end.
      this.byId.delete(id);
      this.byId.set(id, s);
      s.lastSeen = Date.now();
    }
    return s;
  }

  /**
   * A new session (anonymous, or logged in as `userId`). Beyond the cap the least recently used
   * anonymous one goes: making anonymous sessions by the hundred never logs a browser out.
   */
  create(userId?: string): WebSession {
    const s: WebSession = { id: random(), csrf: random(), lastSeen: Date.now(), ...(userId !== undefined ? { userId } : {}) };
    this.byId.set(s.id, s);
    if (this.byId.size > MAX_SESSIONS) {
      for (const [id, old] of this.byId) {
        if (this.byId.size <= MAX_SESSIONS) break;
        if (old.userId === undefined && old !== s) this.byId.delete(id);
      }
    }
    return s;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  /** Logs out every browser (the peer's tracker session ended). */
  logoutAll(): void {
    for (const [id, s] of this.byId) if (s.userId !== undefined) this.byId.delete(id);
  }
}

interface StoredToken {
  label: string;
  userId: string;
  hash: string;
  createdAt: string;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

export class ApiTokens {
  private tokens: StoredToken[] | undefined;
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'web-tokens.json');
  }

  private async load(): Promise<StoredToken[]> {
    if (this.tokens === undefined) {
      try {
        const parsed = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
        this.tokens = Array.isArray(parsed) ? (parsed as StoredToken[]).filter((t) => typeof t?.hash === 'string' && typeof t.userId === 'string') : [];
      } catch {
        this.tokens = [];
      }
    }
    return this.tokens;
  }

  private async save(tokens: StoredToken[]): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(tokens), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
    this.tokens = tokens;
  }

  /** A new token for `userId`; the only time it is seen. */
  async create(userId: string, label: string): Promise<string> {
    const tokens = await this.load();
    if (tokens.some((t) => t.userId === userId && t.label === label)) throw new WebError(409, 'ERR_TOKEN_EXISTS', `there is a token labelled ${label} already`);
    const token = `gst_${random()}`;
    await this.save([...tokens, { label, userId, hash: hashOf(token), createdAt: new Date().toISOString() }]);
    return token;
  }

  async list(userId: string): Promise<Array<{ label: string; createdAt: string }>> {
    return (await this.load()).filter((t) => t.userId === userId).map((t) => ({ label: t.label, createdAt: t.createdAt }));
  }

  async revoke(userId: string, label: string): Promise<void> {
    const tokens = await this.load();
    const kept = tokens.filter((t) => !(t.userId === userId && t.label === label));
    if (kept.length === tokens.length) throw new WebError(404, 'ERR_NOT_FOUND', `there is no token labelled ${label}`);
    await this.save(kept);
  }

  /** The user a token belongs to, if it is one of ours. */
  async userOf(token: string): Promise<string | undefined> {
    const hash = hashOf(token);
    return (await this.load()).find((t) => sameSecret(t.hash, hash))?.userId;
  }
}
