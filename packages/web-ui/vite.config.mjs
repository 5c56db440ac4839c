// Vite settings for each app (scripts/build.mjs builds them one by one). Everything the page
// needs is bundled: no CDN, no inline script or style (the peer serves it under
// `Content-Security-Policy: default-src 'self'; script-src 'self'`).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { outDir } from './apps.js';

const pkg = path.dirname(fileURLToPath(import.meta.url));

/** The Vite config of one app: src/<app>/index.html built into its outDir (apps.js). */
export function appConfig(app) {
  return {
    root: path.join(pkg, 'src', app),
    base: '/',
    publicDir: false,
    // Preact's automatic JSX runtime (tsconfig says the same for type-checking).
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    resolve: { alias: { react: 'preact/compat' } },
    build: {
      outDir: outDir(app),
      emptyOutDir: true,
      target: 'es2022',
      // The polyfill would be inlined in index.html, which the CSP forbids; Chromium needs none.
      modulePreload: { polyfill: false },
      // Never turn small assets into data: URLs inside the CSS or JS.
      assetsInlineLimit: 0,
      reportCompressedSize: false,
    },
  };
}

// `vite` (the dev server) on the peer app, with /api proxied to a running peer (GROUPSHARE_WEB).
export default defineConfig({
  ...appConfig('peer'),
  server: { proxy: { '/api': process.env.GROUPSHARE_WEB ?? 'http://127.0.0.1:8080' } },
});
