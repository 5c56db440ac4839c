// Where servers find the built pages (apps.js): the peer's page is dist/ with its index.html and
// assets, with no inline script (the CSP allows only 'self'); an unknown app is a clear error.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPS, appDir } from '../apps.js';

describe('appDir', () => {
  it("gives the peer's built page, whose index.html loads only files of its own", () => {
    expect(APPS).toContain('peer');
    const html = readFileSync(path.join(appDir('peer'), 'index.html'), 'utf8');
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    // Every <script> has a src (nothing inline), and nothing is loaded from another origin.
    expect(html.match(/<script\b[^>]*>[^<]+<\/script>/)).toBeNull();
    expect(html).not.toMatch(/\bstyle=|<style\b|https?:\/\//);
  });

  it('refuses an app it does not build', () => {
    expect(() => appDir('nope')).toThrow(expect.objectContaining({ code: 'ERR_WEB_UI_UNKNOWN_APP' }));
  });
});
