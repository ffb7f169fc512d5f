/**
 * Real Chromium behind a proxy that refuses WebSocket upgrades (403) and passes HTTP through: the
 * page goes live over Server-Sent Events, the dot turns green, the header says so, and events
 * arrive with no reload.
 */
import { expect, it } from 'vitest';
import { startNoUpgradeProxy } from '../helpers/no-upgrade-proxy.js';
import { freePort } from '../services/processes.js';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { createNotification } from './rest.js';

// The page is served through the proxy, so its origin is the proxy's: the server allows it, as
// PUBLIC_URL or ALLOWED_ORIGINS would behind a real one (REST changes are CSRF-checked).
const proxyPort = await freePort();
const env = useServerAndBrowser('all', { env: { ALLOWED_ORIGINS: `http://127.0.0.1:${proxyPort}` } });

it('goes live over SSE when WebSocket upgrades are refused, with a green dot, and events arrive', async () => {
  const proxy = await startNoUpgradeProxy(env.server.url, proxyPort);
  try {
    const page = await env.browser.open(`${proxy.url}/?ws_base_delay_ms=50`);
    await page.locator('#ws-status.ws-connected').waitFor({ timeout: 15_000 });
    expect(proxy.refused).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.wsClient.getTransport())).toBe('sse');
    expect(await page.locator('#transport').textContent()).toBe('Server-Sent Events');
    expect(await page.locator('#banner').isHidden()).toBe(true);
    await createNotification(env.server.url, 'Arrived over SSE', 'info');
    await page.click('#bell');
    await page.locator('#list li', { hasText: 'Arrived over SSE' }).waitFor({ timeout: 10_000 });
    // Subscriptions go through the stream's endpoint: a job topic's snapshot comes on the stream.
    await page.evaluate(() => window.wsClient.subscribe('jobs:00000000-0000-0000-0000-000000000001'));
    await page.waitForFunction(() => window.wsClient.getStatus() === 'connected');
    const refusedUpgrade = (p: { text: string }): boolean => /WebSocket connection to .* failed/.test(p.text);
    expect(env.browser.problems((p) => devAuth404(p) || refusedUpgrade(p))).toEqual([]);
  } finally {
    await proxy.close();
  }
});
