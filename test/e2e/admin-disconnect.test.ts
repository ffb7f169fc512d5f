/**
 * The page after an administrator disconnects it: the banner shows the administrator's reason
 * (4011), the page does not redial on its own, and "Reconnect now" (a person's choice) brings it back.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useServerAndBrowser } from './browser.js';

const env = useServerAndBrowser('all');

const dot = (page: Page, state: string) => page.locator(`#ws-status.${state}`);

async function adminCall(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(env.server.url + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return response.json();
}

it('shows the reason in the banner and stays disconnected until the user reconnects', async () => {
  const page = await env.browser.open(`${env.server.url}/?ws_base_delay_ms=200&ws_max_delay_ms=500`);
  await dot(page, 'ws-connected').waitFor({ timeout: 10_000 });
  // Development mode: the caller is dev-user, an admin; the page's socket is dev-user's too.
  const listed = await adminCall('GET', '/api/v1/admin/connections');
  expect(listed.connections).toHaveLength(1);
  const done = await adminCall('POST', '/api/v1/admin/disconnect', { connection: listed.connections[0].id, reason: 'Server <b>maintenance</b> at 14:00' });
  expect(done.closed).toBe(1);
  await page.locator('#banner').waitFor({ state: 'visible', timeout: 10_000 });
  expect(await page.locator('#banner-text').textContent()).toMatch(/^Disconnected by an administrator: Server <b>maintenance<\/b> at 14:00\./);
  // Shown as text, not markup.
  expect(await page.locator('#banner-text b').count()).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect((await adminCall('GET', '/api/v1/admin/connections')).connections).toHaveLength(0);
  await page.locator('#reconnect').click();
  await dot(page, 'ws-connected').waitFor({ timeout: 10_000 });
  await page.locator('#banner').waitFor({ state: 'hidden' });
});
