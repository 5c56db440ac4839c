/**
 * The browser the UI tests drive: Debian's Chromium (/usr/bin/chromium, or GROUPSHARE_CHROMIUM)
 * through playwright-core, headless, a fresh profile for every launch (playwright gives each
 * launch its own temporary user-data directory). Shared with other pages' tests (the tracker's
 * admin page): `import { launchBrowser, openPage } from '@groupshare/web-ui/test/browser'`.
 *
 * Each page is watched for what must never happen: a Content-Security-Policy violation, an
 * uncaught script error, or a dialog (alert/confirm/prompt, the classic sign of injected script).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The Chromium binary the tests use. */
export const CHROMIUM = process.env.GROUPSHARE_CHROMIUM || '/usr/bin/chromium';

/** Flags for a quiet, headless Chromium in a container: no sandbox (root), no GPU, no network of its own. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The two window sizes the issue asks for. */
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** Launches headless Chromium, or throws a clear error saying how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser tests need it. Run the README's setup (pnpm run setup installs it with apt-get as root), ` +
        'or install it yourself (apt-get install -y chromium), or set GROUPSHARE_CHROMIUM to a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** What a page did that it must not: collected for the test to assert empty. */
export interface PageWatch {
  cspViolations: string[];
  pageErrors: string[];
  dialogs: string[];
}

/** Records CSP violations, uncaught errors and dialogs of every page in `context` (dialogs are dismissed). */
export async function watchContext(context: BrowserContext): Promise<PageWatch> {
  const watch: PageWatch = { cspViolations: [], pageErrors: [], dialogs: [] };
  await context.exposeBinding('__reportCsp', (_source, text: string) => void watch.cspViolations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCsp: (t: string) => void }).__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const onPage = (page: Page): void => {
    page.on('pageerror', (err) => watch.pageErrors.push(err.message));
    page.on('dialog', (d) => {
      watch.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) watch.cspViolations.push(msg.text());
    });
  };
  context.pages().forEach(onPage);
  context.on('page', onPage);
  return watch;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
}

/** A new context (its own cookies) at `viewport`, watched, with one page open at `url`. */
export async function openPage(browser: Browser, url: string, viewport: { width: number; height: number } = DESKTOP): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport });
  const watch = await watchContext(context);
  const page = await context.newPage();
  await page.goto(url);
  return { context, page, watch };
}
