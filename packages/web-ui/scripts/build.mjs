// Builds every app of this package with Vite, each on its own (src/<app>/index.html →
// dist/<app>/): a server serves one app's directory and nothing of the others, and each app's
// first load carries only its own code. Shared components (src/ui) are bundled into each.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { APPS } from '../apps.js';
import { appConfig } from '../vite.config.mjs';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await rm(path.join(pkg, 'dist'), { recursive: true, force: true });
for (const app of APPS) {
  await build({ ...appConfig(app), configFile: false, logLevel: 'warn' });
  console.log(`web-ui: built ${app} into dist/${app}`);
}
