// Where each browser app's built files are, for the servers that serve them (the peer's --web
// server serves appDir('peer')). Plain JavaScript so a server needs no build step to import it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The apps this package builds (scripts/build.mjs), each from src/<name>/index.html. */
export const APPS = Object.freeze(['peer', 'admin']);

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Where app `name` is built: the peer's page is dist/ itself (the peer's web server serves that
 * folder), every other app its own dist-<name>/ beside it, so no server serves another's page.
 */
export function outDir(name) {
  return path.join(here, name === 'peer' ? 'dist' : `dist-${name}`);
}

/**
 * The absolute directory holding `name`'s built page (index.html and assets/). Throws
 * ERR_WEB_UI_NOT_BUILT when it is missing, so a server fails at start with a clear reason
 * rather than answering 404 for every page.
 */
export function appDir(name) {
  if (!APPS.includes(name)) throw Object.assign(new Error(`unknown web app ${name}; known: ${APPS.join(', ')}`), { code: 'ERR_WEB_UI_UNKNOWN_APP' });
  const dir = outDir(name);
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw Object.assign(new Error(`the web UI is not built (${dir} has no index.html): run pnpm run setup`), { code: 'ERR_WEB_UI_NOT_BUILT' });
  }
  return dir;
}
