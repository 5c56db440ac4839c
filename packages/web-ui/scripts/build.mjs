// Builds every app of this package with Vite, each on its own (src/<app>/index.html → its
// outDir: dist/ for the peer's page, dist-<app>/ for others): a server serves one app's folder
// and nothing of the others, and each app's first load carries only its own code. Shared
// components (src/ui) are bundled into each.
import path from 'node:path';
import { build } from 'vite';
import { APPS, outDir } from '../apps.js';
import { appConfig } from '../vite.config.mjs';

for (const app of APPS) {
  await build({ ...appConfig(app), configFile: false, logLevel: 'warn' });
  console.log(`web-ui: built ${app} into ${path.relative(process.cwd(), outDir(app)) || '.'}`);
}
