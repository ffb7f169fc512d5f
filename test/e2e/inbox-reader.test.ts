/**
 * A reader (signed in through the real OIDC provider, without the writer role) sees a
 * notification's job action disabled, with the reason, and no job is created.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_TOKEN, startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';

let world: AuthWorld;
let browser: Browser;

beforeAll(async () => {
  world = await startAuthWorld();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

it('shows a job action disabled, with the reason, to a user without the writer role', async () => {
  const res = await fetch(`${world.app.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
    body: JSON.stringify({
      title: 'Restart hv-04?',
      message: 'It stopped answering',
      level: 'warning',
      category: 'host',
      actions: [{ label: 'Restart', kind: 'job', job_type: 'sleep' }],
    }),
  });
  expect(res.status).toBe(201);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${world.app.url}/auth/login?return_to=/`);
  await page.fill('input[name=login]', 'alice');
  await page.fill('input[name=password]', 'whatever');
  await page.click('button[type=submit]');
  await page.click('button[type=submit]'); // consent
  await page.waitForURL(`${world.app.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  await page.click('#bell');
  const button = page.locator('#list li', { hasText: 'Restart hv-04?' }).locator('button[data-op=action]');
  await page.waitForFunction(() => document.querySelector<HTMLButtonElement>('#list button[data-op=action]')?.disabled === true, undefined, {
    timeout: 10_000,
  });
  expect(await button.textContent()).toBe('Restart');
  const reason = await button.getAttribute('aria-describedby');
  expect(await page.locator(`[id="${reason ?? ''}"]`).textContent()).toBe('Needs the admin role');

  // Even forced, the server refuses it and creates no job.
  const forced = await page.evaluate(
    async (id) => {
      const r = await fetch(`/api/v1/notifications/${id}/actions/0`, { method: 'POST' });
      return { status: r.status, body: (await r.json()) as unknown };
    },
    await button.getAttribute('data-id'),
  );
  expect(forced).toMatchObject({ status: 403, body: { detail: 'requires role admin' } });
  const jobs = await fetch(`${world.app.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  expect(((await jobs.json()) as { jobs: unknown[] }).jobs).toEqual([]);
  await context.close();
}, 30_000);
