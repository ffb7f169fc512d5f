/**
 * Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core,
 * a fresh profile per browser, and every console error, page error and Content-Security-Policy
 * violation of every tab recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Problem {
  readonly kind: 'console' | 'pageerror';
  readonly text: string;
  readonly url: string;
}

export interface Browser {
  /** Opens a tab on `url` (one profile, so every tab is the same signed-in user). */
  open(url: string): Promise<Page>;
  /** Console errors and uncaught page errors so far, minus those `allowed` matches. */
  problems(allowed?: (p: Problem) => boolean): Problem[];
  close(): Promise<void>;
}

/** In dev mode /auth/me and /auth/ws-token answer 404, which Chromium logs as a console error. */
export const devAuth404 = (p: Problem): boolean => /Failed to load resource: .*404/.test(p.text) && /\/auth\/(me|ws-token)$/.test(p.url);

/** What Chromium logs by itself while a server is down. */
export const serverDown = (p: Problem): boolean =>
  devAuth404(p) ||
  /net::ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/.test(p.text) ||
  // A request on a keep-alive connection the stopping server closes at that moment is reset.
  /Failed to load resource: net::ERR_CONNECTION_RESET/.test(p.text) ||
  // A request that lands while the server drains on SIGTERM is answered 503, as it should be.
  /Failed to load resource: the server responded with a status of 503/.test(p.text);

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'aether-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 720 },
  });
  // Every Content-Security-Policy violation becomes a console error, so `problems()` reports it.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  const problems: Problem[] = [];
  const watch = (page: Page): void => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push({ kind: 'console', text: m.text(), url: m.location().url });
    });
    page.on('pageerror', (e) => problems.push({ kind: 'pageerror', text: e.message, url: page.url() }));
  };
  return {
    async open(url) {
      const blank = context.pages().find((p) => p.url() === 'about:blank');
      const page = blank ?? (await context.newPage());
      watch(page);
      await page.goto(url);
      return page;
    },
    problems: (allowed = () => false) => problems.filter((p) => !allowed(p)),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a real server and a browser for every test (`each`) or once for the file (`all`), and
 * closes both afterwards; `options.env` is added to the server's environment. Read them through
 * the returned object's getters.
 */
export function useServerAndBrowser(
  scope: 'each' | 'all' = 'each',
  options: { env?: Record<string, string> } = {},
): { readonly server: ChildServer; readonly browser: Browser } {
  let server: ChildServer | undefined;
  let browser: Browser | undefined;
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    server = await startServer({ env: options.env });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('server not started yet');
      return server;
    },
    get browser() {
      if (browser === undefined) throw new Error('browser not started yet');
      return browser;
    },
  };
}
