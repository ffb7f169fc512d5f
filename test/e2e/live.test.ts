/**
 * The page in real Chromium against the real server: the dot, live notifications, the badge,
 * the panel, and two tabs kept consistent by the server's read-state events.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { createNotification } from './rest.js';

const env = useServerAndBrowser('all');

const item = (page: Page, title: string) => page.locator('#list li', { hasText: title });
const badge = (page: Page) => page.locator('#badge');

async function openConnected(): Promise<Page> {
  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  return page;
}

async function waitForUnread(page: Page, n: number): Promise<void> {
  await page.waitForFunction((count) => document.getElementById('bell')?.getAttribute('aria-label') === `Notifications, ${count} unread`, n, {
    timeout: 10_000,
  });
}

describe('the page, live', () => {
  it('turns the dot green, shows a REST-created notification with no reload, and counts it', async () => {
    const page = await openConnected();
    expect(await page.evaluate(() => window.wsClient.isConnected())).toBe(true);
    expect(await page.evaluate(() => typeof window.wsClient.getClientId())).toBe('string');
    await page.click('#bell');
    await page.locator('#empty').waitFor({ state: 'visible' });
    expect(await page.locator('#ws-status').getAttribute('class')).toContain('ws-connected');
    expect(await page.locator('#banner').isHidden()).toBe(true);

    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await createNotification(env.server.url, 'Disk almost full on hv-01', 'warning');
    await item(page, 'Disk almost full on hv-01').waitFor({ timeout: 10_000 });
    await waitForUnread(page, 1);
    expect(await badge(page).textContent()).toBe('1');
    expect(await page.locator('#new-marker').textContent()).toBe('1 new');
    expect(await item(page, 'Disk almost full on hv-01').locator('.level-text').textContent()).toBe('Warning');
    expect(await item(page, 'Disk almost full on hv-01').locator('time').textContent()).toBe('Just now');
    expect(navigations).toEqual([]);
  });

  it('puts data into the page as text, never as HTML', async () => {
    const page = await openConnected();
    const title = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    await createNotification(env.server.url, title, 'error');
    await page.click('#bell');
    await item(page, 'bold').waitFor({ timeout: 10_000 });
    expect(await item(page, 'bold').locator('.title').textContent()).toBe(title);
    expect(await page.locator('#list img, #list b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('keeps two tabs consistent: read in tab A updates tab B', async () => {
    const a = await openConnected();
    const b = await openConnected();
    const unread = Number(await a.evaluate(() => document.getElementById('bell')?.getAttribute('aria-label')?.match(/\d+/)?.[0]));
    await createNotification(env.server.url, 'Two tabs: first');
    await createNotification(env.server.url, 'Two tabs: second');
    await waitForUnread(a, unread + 2);
    await waitForUnread(b, unread + 2);

    await a.click('#bell');
    await item(a, 'Two tabs: first').locator('.item-main').click();
    await waitForUnread(b, unread + 1);
    await b.click('#bell');
    await b.locator('#list li.read', { hasText: 'Two tabs: first' }).waitFor({ timeout: 10_000 });
    expect(await item(b, 'Two tabs: second').getAttribute('class')).toContain('unread');

    await a.click('#mark-all');
    await waitForUnread(a, 0);
    await waitForUnread(b, 0);
    expect(await badge(b).textContent()).toBe('');
    await b.locator('#list li.unread').first().waitFor({ state: 'detached', timeout: 10_000 });

    await item(a, 'Two tabs: second').locator('.delete').click();
    await item(b, 'Two tabs: second').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('is keyboard usable, and Escape closes the panel', async () => {
    const page = await openConnected();
    for (const [title, level] of [
      ['Host hv-03 disconnected', 'error'],
      ['VM web-01 started', 'info'],
      ['Nightly backup finished', 'success'],
    ] as const) {
      await createNotification(env.server.url, title, level);
    }
    await item(page, 'Nightly backup finished').waitFor({ state: 'attached', timeout: 10_000 });
    await page.focus('#bell');
    await page.keyboard.press('Enter');
    await page.locator('#panel').waitFor({ state: 'visible' });
    expect(await page.locator('#bell').getAttribute('aria-expanded')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.textContent)).toContain('Nightly backup finished');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.textContent)).toContain('VM web-01 started');
    await page.keyboard.press('Enter');
    await page.locator('#list li.read', { hasText: 'VM web-01 started' }).waitFor({ timeout: 10_000 });

    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/panel-keyboard.png' });

    await page.keyboard.press('Escape');
    await page.locator('#panel').waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('bell');
  });

  it('runs under the strict Content-Security-Policy: served with it, enforced, and nothing of the page blocked', async () => {
    const response = await fetch(`${env.server.url}/`);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await openConnected();
    // The live socket is a same-origin ws: connection, which connect-src 'self' allows.
    expect(await page.evaluate(() => window.wsClient.isConnected())).toBe(true);
    // Enforced: an injected inline script is blocked. In an unwatched tab, so the probe's own
    // violation stays out of the record the other tests check.
    const probe = await page.context().newPage();
    await probe.goto(`${env.server.url}/`);
    const blocked = await probe.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
          const script = document.createElement('script');
          script.textContent = 'window.__inline = 1';
          document.body.append(script);
        }),
    );
    expect(blocked).toBe('script-src-elem');
    expect(await probe.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBeUndefined();
    await probe.close();
    expect(env.browser.problems().filter((p) => /CSP violation|Content Security Policy/.test(p.text))).toEqual([]);
  });

  it('logged no console errors (beyond dev mode 404s of /auth/*)', () => {
    expect(env.browser.problems(devAuth404)).toEqual([]);
  });
});
