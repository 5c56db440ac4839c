/**
 * Admin page sessions: an HttpOnly cookie `groupshare_admin_<port>` (browsers keep cookies apart
 * by host, not by port, so two trackers' admin pages on one machine would otherwise log each
 * other out), `SameSite=Lax` (Strict loses the cookie when the page is opened from a link, a
 * login loop), and a CSRF token per session that every state-changing POST must send back in
 * `x-csrf-token`. In memory only: a restart logs the admin out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** How long an admin session lasts without being used. */
export const ADMIN_SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** Sessions kept at most; the least recently used goes first. */
const MAX_SESSIONS = 64;

export interface AdminSession {
  csrf: string;
  expiresAt: number;
}

/** The cookie's name for the admin server bound to `port`. */
export function adminCookieName(port: number): string {
  return `groupshare_admin_${port}`;
}

/** The value of cookie `name` in a Cookie header, if there. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AdminSessions {
  /** By session id; a Map keeps insertion order, refreshed on use, so the first is the stalest. */
  private readonly sessions = new Map<string, AdminSession>();

  constructor(private readonly now: () => number = Date.now) {}

  create(): { id: string; session: AdminSession } {
    const id = randomBytes(32).toString('base64url');
    const session = { csrf: randomBytes(24).toString('base64url'), expiresAt: this.now() + ADMIN_SESSION_IDLE_MS };
    this.sessions.set(id, session);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return { id, session };
  }

  /** The live session `id` names, its idle time restarted; undefined if unknown or expired. */
  get(id: string | undefined): AdminSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    if (session.expiresAt <= this.now()) return undefined;
    session.expiresAt = this.now() + ADMIN_SESSION_IDLE_MS;
    this.sessions.set(id, session);
    return session;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  /** A Set-Cookie value for session `id` (or clearing the cookie, with no id). */
  static cookie(name: string, id: string | undefined): string {
    const base = `${name}=${id ?? ''}; Path=/; HttpOnly; SameSite=Lax`;
    return id === undefined ? `${base}; Max-Age=0` : `${base}; Max-Age=${ADMIN_SESSION_IDLE_MS / 1000}`;
  }
}
