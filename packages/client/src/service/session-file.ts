/**
 * The remembered tracker session of a peer that serves the web interface: `session.json` in the
 * data directory, mode 0600, holding the user id and the tracker's session token. A headless
 * peer resumes it at start, so a restart (or a service manager) needs nobody to type a password;
 * `logout` deletes it. Written atomically (temporary file, then rename) so a crash never leaves
 * half a token.
 */
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface RememberedSession {
  userId: string;
  token: string;
}

export class SessionFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'session.json');
  }

  /** The remembered session, or undefined when there is none (or it is unreadable). */
  async read(): Promise<RememberedSession | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<RememberedSession>;
      if (typeof parsed.userId === 'string' && typeof parsed.token === 'string') return { userId: parsed.userId, token: parsed.token };
    } catch {
      // Missing or damaged: there is nothing to resume; a login writes it again.
    }
    return undefined;
  }

  async write(session: RememberedSession): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ userId: session.userId, token: session.token }), { mode: 0o600 });
    await chmod(tmp, 0o600); // the mode of writeFile is masked by the umask, never widened
    await rename(tmp, this.file);
  }

  async forget(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
