/**
 * The page when the server goes away: red dot and banner while reconnecting, nothing lost when the
 * server returns, gray dot and REST polling once the retry budget is spent, and "Reconnect now".
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { serverDown, useServerAndBrowser } from './browser.js';
import { createNotification } from './rest.js';

const env = useServerAndBrowser('each');

const dot = (page: Page, state: string) => page.locator(`#ws-status.${state}`);
const item = (page: Page, title: string) => page.locator('#list li', { hasText: title });

it('goes red with a banner when the server stops, and back to green with what was missed', async () => {
  // Enough attempts to outlast the outage however slowly the two servers start: this test is about
  // coming back; the attempt budget running out is the next test's.
  const page = await env.browser.open(`${env.server.url}/?ws_base_delay_ms=200&ws_max_delay_ms=1000&ws_max_attempts=120`);
  await dot(page, 'ws-connected').waitFor({ timeout: 10_000 });
  await createNotification(env.server.url, 'Before the outage');
  await item(page, 'Before the outage').waitFor({ state: 'attached', timeout: 10_000 });

  await env.server.stop();
  await dot(page, 'ws-reconnecting').waitFor({ timeout: 10_000 });
  await page.locator('#banner').waitFor({ state: 'visible' });
  expect(await page.locator('#banner-text').textContent()).toMatch(/Connection lost\. Reconnecting/);
  expect(await page.locator('#reconnect').isVisible()).toBe(true);
  await page.waitForFunction(() => /Next try in \d+ s/.test(document.getElementById('banner-countdown')?.textContent ?? ''), null, { timeout: 5000 });

  // While this server is down another instance on the same database takes writes.
  const other = await startServer({ dataDir: env.server.dataDir });
  await createNotification(other.url, 'Missed while down 1', 'warning');
  await createNotification(other.url, 'Missed while down 2', 'error');
  await other.close();

  await env.server.start();
  await dot(page, 'ws-connected').waitFor({ timeout: 15_000 });
  await page.locator('#banner').waitFor({ state: 'hidden' });
  await item(page, 'Missed while down 1').waitFor({ state: 'attached', timeout: 10_000 });
  await item(page, 'Missed while down 2').waitFor({ state: 'attached', timeout: 10_000 });
  expect(await page.locator('#bell').getAttribute('aria-label')).toBe('Notifications, 3 unread');
  const titles = await page.locator('#list li .title').allTextContents();
  expect(titles.slice(0, 3)).toEqual(['Missed while down 2', 'Missed while down 1', 'Before the outage']);

  // Still live after the reconnect.
  await createNotification(env.server.url, 'After the outage');
  await item(page, 'After the outage').waitFor({ state: 'attached', timeout: 10_000 });
  expect(env.browser.problems(serverDown)).toEqual([]);
});

it('goes gray after the retry budget, polls REST, and "Reconnect now" recovers', async () => {
  const page = await env.browser.open(`${env.server.url}/?ws_max_attempts=2&ws_base_delay_ms=200&poll_interval_ms=1000`);
  await dot(page, 'ws-connected').waitFor({ timeout: 10_000 });
  await env.server.stop();
  await dot(page, 'ws-disconnected').waitFor({ timeout: 10_000 });
  expect(await page.evaluate(() => window.wsClient.getStatus())).toBe('failed');
  expect(await page.locator('#banner-text').textContent()).toMatch(/unavailable.*every 1 s/);

  // Back up, but the socket has given up: polling still brings new notifications in.
  await env.server.start();
  await createNotification(env.server.url, 'Seen by polling');
  await item(page, 'Seen by polling').waitFor({ state: 'attached', timeout: 10_000 });
  expect(await page.locator('#ws-status').getAttribute('class')).toContain('ws-disconnected');

  await page.click('#reconnect');
  await dot(page, 'ws-connected').waitFor({ timeout: 10_000 });
  await page.locator('#banner').waitFor({ state: 'hidden' });
  await createNotification(env.server.url, 'Live again');
  await item(page, 'Live again').waitFor({ state: 'attached', timeout: 10_000 });
  expect(env.browser.problems(serverDown)).toEqual([]);
});

it('reconnects at once when the browser comes back online', async () => {
  const page = await env.browser.open(`${env.server.url}/?ws_max_attempts=1&ws_base_delay_ms=200`);
  await dot(page, 'ws-connected').waitFor({ timeout: 10_000 });
  await env.server.stop();
  await dot(page, 'ws-disconnected').waitFor({ timeout: 10_000 });
  await env.server.start();
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await dot(page, 'ws-connected').waitFor({ timeout: 5000 });
  expect(env.browser.problems(serverDown)).toEqual([]);
});
