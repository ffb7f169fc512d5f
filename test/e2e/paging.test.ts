/** More on scroll: the panel pages older notifications in by cursor, and the badge caps at 99+. */
import { expect, it } from 'vitest';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { createNotification } from './rest.js';

const env = useServerAndBrowser('all');

it('loads older notifications on scroll and caps the badge at 99+', async () => {
  for (let i = 1; i <= 105; i += 1) await createNotification(env.server.url, `Event ${String(i).padStart(3, '0')}`);
  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  expect(await page.locator('#badge').textContent()).toBe('99+');
  expect(await page.locator('#bell').getAttribute('aria-label')).toBe('Notifications, 105 unread');
  await page.click('#bell');
  expect(await page.locator('#list li').count()).toBe(50);
  expect(await page.locator('#list li .title').first().textContent()).toBe('Event 105');

  // Pages of 20: 50 → 70 → 90 → 105, one scroll to the bottom each.
  for (const expected of [70, 90, 105]) {
    await page.locator('#panel-body').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction((n) => document.querySelectorAll('#list li').length === n, expected, { timeout: 10_000 });
  }
  expect(await page.locator('#list li .title').last().textContent()).toBe('Event 001');
  expect(await page.locator('#load-more').isHidden()).toBe(true);
  expect(env.browser.problems(devAuth404)).toEqual([]);
});

it('asks once more for an older page that failed while the list stays at its end', async () => {
  // The 105 notifications of the test above; this page's first request for an older page fails.
  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  let asked = 0;
  await page.route(
    (url) => url.pathname === '/api/v1/notifications' && url.searchParams.has('cursor'),
    async (route) => (asked++ === 0 ? route.abort() : route.continue()),
  );
  await page.click('#bell');
  await page.locator('#panel-body').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  // No second scroll: the render after the failure finds the list still at its end.
  await page.waitForFunction(() => document.querySelectorAll('#list li').length === 70, undefined, { timeout: 10_000 });
  expect(asked).toBe(2);
});

it('keeps the list where the reader scrolled it when a live event re-renders it', async () => {
  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  await page.click('#bell'); // focuses the first row
  const body = page.locator('#panel-body');
  await body.evaluate((el) => el.scrollTo(0, 600));
  await createNotification(env.server.url, 'While scrolled');
  await page.locator('#list li', { hasText: 'While scrolled' }).waitFor({ state: 'attached', timeout: 10_000 });
  // The new row goes on top; the rows the reader looks at stay put (they do not jump to the focused first row).
  expect(await body.evaluate((el) => el.scrollTop)).toBeGreaterThan(300);
});
