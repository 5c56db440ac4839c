// The admin app's build (dist-admin/, served by ./tracker --admin): its index.html loads only its
// own files, with no inline script or style, since the tracker serves it under script-src 'self'.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPS, appDir } from '../apps.js';

describe('the admin app build', () => {
  it('is built into dist-admin with an index.html that loads only files of its own', () => {
    expect(APPS).toContain('admin');
    const dir = appDir('admin');
    expect(path.basename(dir)).toBe('dist-admin');
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<title>groupshare tracker admin</title>');
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html.match(/<script\b[^>]*>[^<]+<\/script>/)).toBeNull();
    expect(html).not.toMatch(/\bstyle=|<style\b|https?:\/\//);
  });
});
