/**
 * Killing the server (SIGKILL) while notifications are being written loses nothing on the page:
 * the dot goes red, then green, and the list equals the database.
 */
import { expect, it } from 'vitest';
import { serverDown, useServerAndBrowser } from './browser.js';

const env = useServerAndBrowser('each');

/** Creates a notification, retrying through the outage with an Idempotency-Key so none is doubled. */
async function createThroughOutage(title: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const res = await fetch(`${env.server.url}/api/v1/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': title.replace(/ /g, '-') },
        body: JSON.stringify({ title, message: 'written under load' }),
      });
      if (res.status === 201) return;
    } catch {
      // the server is down: try again shortly
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`could not create ${title}`);
}

it('loses no event when the server is killed under load and restarted', async () => {
  const page = await env.browser.open(`${env.server.url}/?ws_base_delay_ms=200&ws_max_delay_ms=800`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });

  const total = 40;
  const writer = (async () => {
    for (let i = 0; i < total; i++) {
      await createThroughOutage(`load ${String(i).padStart(2, '0')}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  await page.locator('#list li', { hasText: 'load 05' }).waitFor({ state: 'attached', timeout: 10_000 });
  await env.server.stop('SIGKILL');
  await page.locator('#ws-status.ws-reconnecting').waitFor({ timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 300));
  await env.server.start();
  await writer;
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 15_000 });
  await page.locator('#list li', { hasText: `load ${total - 1}` }).waitFor({ state: 'attached', timeout: 10_000 });

  const db = (await (await fetch(`${env.server.url}/api/v1/notifications?limit=100`)).json()) as { notifications: { title: string }[]; unread_count: number };
  const shown = await page.locator('#list li .title').allTextContents();
  expect(shown).toEqual(db.notifications.map((n) => n.title));
  expect(shown).toHaveLength(total);
  expect(await page.locator('#bell').getAttribute('aria-label')).toBe(`Notifications, ${db.unread_count} unread`);
  expect(env.browser.problems(serverDown)).toEqual([]);
});
