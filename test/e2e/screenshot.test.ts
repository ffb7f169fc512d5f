/**
 * The open panel on a fresh server, written to test-output/panel-open.png, and to the README's
 * docs/screenshot.png when UPDATE_SCREENSHOT=1 (so a test run leaves tracked files alone).
 */
import { mkdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { createNotification } from './rest.js';

const env = useServerAndBrowser('all');

it('shows the open panel with every level, read and unread', async () => {
  const made = [];
  for (const [title, level] of [
    ['Nightly backup finished', 'success'],
    ['VM web-01 started', 'info'],
    ['Memory pressure on hv-02', 'warning'],
  ] as const)
    made.push(await createNotification(env.server.url, title, level));
  await fetch(`${env.server.url}/api/v1/notifications/${made[1]?.id ?? ''}/read`, { method: 'PUT' });
  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  await page.click('#bell');
  await createNotification(env.server.url, 'Host hv-03 disconnected', 'error');
  await page.locator('#new-marker:not([hidden])').waitFor({ timeout: 10_000 });
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: 'test-output/panel-open.png' });
  if (process.env.UPDATE_SCREENSHOT === '1') {
    mkdirSync('docs', { recursive: true });
    await page.screenshot({ path: 'docs/screenshot.png' });
  }
  expect(await page.locator('#list li').count()).toBe(4);
  expect(env.browser.problems(devAuth404)).toEqual([]);
});
