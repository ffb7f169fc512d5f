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
