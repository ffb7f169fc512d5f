/**
 * The inbox panel in real Chromium against the real server: tabs whose unread counts move live,
 * seen-on-open, archive moving an item to Archived, a snooze that ends putting the item back live,
 * and a writer's job action starting a job whose progress shows on the row.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/protocol/index.js';
import { devAuth404, useServerAndBrowser } from './browser.js';

const env = useServerAndBrowser('all');

async function post(path: string, body: unknown, method = 'POST'): Promise<Notification> {
  const res = await fetch(`${env.server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Notification;
}

const create = (title: string, extra: Record<string, unknown> = {}): Promise<Notification> =>
  post('/api/v1/notifications', { title, message: `${title}: details`, level: 'info', category: 'system', ...extra });

const item = (page: Page, title: string) => page.locator('#list li', { hasText: title });
const tab = (page: Page, name: string) => page.locator(`#inbox-tab-${name}`);

async function tabCount(page: Page, name: string, n: number): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => document.querySelector(`#inbox-tab-${id} .tab-count`)?.getAttribute('data-count') === want,
    [name, String(n)] as const,
    {
      timeout: 10_000,
    },
  );
}

async function openPanel(): Promise<Page> {
  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  await page.click('#bell');
  return page;
}

describe('the inbox panel', () => {
  it('shows tabs with live unread counts; archive moves an item to Archived; arrows move between tabs', async () => {
    const page = await openPanel();
    expect(await page.locator('[role=tablist] [role=tab]').allTextContents()).toEqual([
      'All 0 unread',
      'Problems 0 unread',
      'Jobs 0 unread',
      'Archived 0 unread',
    ]);
    expect(await tab(page, 'all').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#panel-body').getAttribute('role')).toBe('tabpanel');

    await create('Disk failing on hv-02', { level: 'error', category: 'host' });
    await create('Backup job finished', { category: 'job' });
    await tabCount(page, 'all', 2);
    await tabCount(page, 'problems', 1);
    await tabCount(page, 'jobs', 1);

    await item(page, 'Disk failing on hv-02').locator('[data-op=archive]').click();
    await item(page, 'Disk failing on hv-02').waitFor({ state: 'detached', timeout: 10_000 });
    await tabCount(page, 'archived', 1);
    await tabCount(page, 'problems', 0);
    await tabCount(page, 'all', 1);

    // Keyboard: from All, → three times reaches Archived (selected as focus moves), Home returns.
    await tab(page, 'all').focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await tab(page, 'archived').getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('inbox-tab-archived');
    await item(page, 'Disk failing on hv-02').waitFor({ timeout: 10_000 });
    expect(await item(page, 'Backup job finished').count()).toBe(0);
    await item(page, 'Disk failing on hv-02').locator('[data-op=unarchive]').click();
    await item(page, 'Disk failing on hv-02').waitFor({ state: 'detached', timeout: 10_000 });
    await tabCount(page, 'archived', 0);
    await tab(page, 'archived').focus();
    await page.keyboard.press('Home');
    expect(await tab(page, 'all').getAttribute('aria-selected')).toBe('true');
    await item(page, 'Disk failing on hv-02').waitFor({ timeout: 10_000 });
    expect(env.browser.problems(devAuth404)).toEqual([]);
  });

  it('marks what the panel shows seen on open: the badge clears, the items stay unread', async () => {
    const page = await env.browser.open(`${env.server.url}/`);
    await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
    await create('Seen on open');
    await page.waitForFunction(() => Number(document.getElementById('badge')?.textContent) > 0, undefined, { timeout: 10_000 });
    const seen: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/seen')) seen.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await page.click('#bell');
    await page.waitForFunction(() => document.getElementById('badge')?.textContent === '', undefined, { timeout: 10_000 });
    expect(seen).toEqual(['PUT /api/v1/notifications/seen']);
    expect(await item(page, 'Seen on open').getAttribute('class')).toContain('unread');
    const label = await page.locator('#bell').getAttribute('aria-label');
    expect(Number(label?.match(/(\d+) unread/)?.[1])).toBeGreaterThan(0);
  });

  it('hides a snoozed item and brings it back live when the snooze ends', async () => {
    const page = await openPanel();
    const n = await create('Snooze me briefly');
    await item(page, 'Snooze me briefly').waitFor({ timeout: 10_000 });
    // The menu's shortest is an hour: a 3 s snooze through REST, as the CLI would.
    await post(`/api/v1/notifications/${n.id}/snooze`, { until: new Date(Date.now() + 3_000).toISOString() }, 'PUT');
    await item(page, 'Snooze me briefly').waitFor({ state: 'detached', timeout: 10_000 });
    await item(page, 'Snooze me briefly').waitFor({ timeout: 15_000 });

    // The menu: an hour's snooze hides it too.
    await item(page, 'Snooze me briefly').locator('select[data-op=snooze]').selectOption('60');
    await item(page, 'Snooze me briefly').waitFor({ state: 'detached', timeout: 10_000 });
    const res = await fetch(`${env.server.url}/api/v1/notifications/${n.id}`);
    const snoozed = (await res.json()) as Notification;
    expect(Date.parse(snoozed.snoozed_until ?? '') - Date.now()).toBeGreaterThan(58 * 60_000);
  }, 30_000);

  it("runs a writer's job action and shows the job's live progress on the row", async () => {
    const page = await openPanel();
    await create('Resolve me', { condition_key: 'test:page:resolve', level: 'warning' });
    await create('Resolve me', { condition_key: 'test:page:resolve', level: 'warning' });
    await post('/api/v1/notifications/resolve', { condition_key: 'test:page:resolve' });
    await tab(page, 'all').click();
    await item(page, 'Resolve me').locator('.resolved').waitFor({ timeout: 10_000 });
    expect(await item(page, 'Resolve me').locator('.raised').textContent()).toBe('×2 times');

    await create('Host needs a restart', {
      actions: [
        { label: 'Run it', kind: 'job', job_type: 'sleep', parameters: { duration_ms: 1500 } },
        { label: 'Runbook', kind: 'link', url: '/docs/runbook' },
      ],
    });
    const row = item(page, 'Host needs a restart');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('a.item-action').getAttribute('href')).toBe('/docs/runbook');
    await row.locator('button[data-op=action]').click();
    await row.locator('.item-job').waitFor({ timeout: 10_000 });
    await row.locator('.item-job[data-status=completed]').waitFor({ timeout: 15_000 });
    expect(await row.locator('.item-job').textContent()).toContain('100% completed');
    expect(await row.locator('.item-job progress').getAttribute('value')).toBe('100');
    const jobs = (await (await fetch(`${env.server.url}/api/v1/jobs?limit=5`)).json()) as { jobs: { type: string; created_by: string }[] };
    expect(jobs.jobs.filter((j) => j.type === 'sleep')).toHaveLength(1);
    expect(env.browser.problems(devAuth404)).toEqual([]);
  }, 30_000);

  it('the badge counts every unseen notification from the server, not only the loaded ones', async () => {
    // 60 seen but unread (more than the 50 a page loads), then one not yet seen.
    const made = await Promise.all(Array.from({ length: 60 }, (_, i) => create(`Seen elsewhere ${i}`)));
    await post('/api/v1/notifications/seen', { ids: made.map((n) => n.id) }, 'PUT');
    await create('Not seen yet');
    const res = await fetch(`${env.server.url}/api/v1/notifications/counts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filters: [{ state: 'all', seen: false }, { state: 'all' }] }),
    });
    const [unseen, unread] = ((await res.json()) as { counts: number[] }).counts as [number, number];
    expect(unread - unseen).toBeGreaterThanOrEqual(60);
    const page = await env.browser.open(`${env.server.url}/`);
    await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
    await page.waitForFunction((want) => document.getElementById('badge')?.textContent === want, String(unseen), { timeout: 10_000 });
    // It moves live: one more arrives unseen.
    await create('Another not seen');
    await page.waitForFunction((want) => document.getElementById('badge')?.textContent === want, String(unseen + 1), { timeout: 10_000 });
    expect(env.browser.problems(devAuth404)).toEqual([]);
  });

  it('shows what a bulk archive archived in the open Archived tab, live', async () => {
    const page = await openPanel();
    await create('Bulk one', { level: 'success' });
    await create('Bulk two', { level: 'success' });
    await tab(page, 'archived').click();
    await page.locator('#panel-body[data-tab=archived], #panel-body').waitFor({ timeout: 10_000 });
    expect(await item(page, 'Bulk one').count()).toBe(0);
    await post('/api/v1/notifications/bulk', { op: 'archive', filter: { levels: ['success'] } });
    await item(page, 'Bulk one').waitFor({ timeout: 10_000 });
    await item(page, 'Bulk two').waitFor({ timeout: 10_000 });
    expect(env.browser.problems(devAuth404)).toEqual([]);
  });

  it('a live event inserts one row and rewrites none of the tabs or other rows', async () => {
    // Replacing every row, or writing tabIndex on every render, made Chromium restyle the panel on
    // each event: a burst of 120 took seconds of a tab's main thread, and a new tab waited behind it.
    const page = await openPanel();
    await create('Before the watch');
    await item(page, 'Before the watch').waitFor({ timeout: 10_000 });
    const unread = Number(await tab(page, 'all').locator('.tab-count').getAttribute('data-count'));
    await page.evaluate(() => {
      const seen: string[] = [];
      (globalThis as unknown as { seen: string[] }).seen = seen;
      new MutationObserver((records) => {
        for (const r of records) {
          const el = r.target as Element;
          if (r.type === 'childList' && el.id === 'list') seen.push(`list +${r.addedNodes.length} -${r.removedNodes.length}`);
          if (r.type === 'attributes' && (el.getAttribute('role') === 'tab' || el.id === 'panel-body')) seen.push(`${el.id} ${r.attributeName ?? ''}`);
        }
      }).observe(document.getElementById('panel') as Node, { subtree: true, childList: true, attributes: true });
    });
    await create('Watched arrival');
    await item(page, 'Watched arrival').waitFor({ timeout: 10_000 });
    await tabCount(page, 'all', unread + 1);
    expect(await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen)).toEqual(['list +1 -0']);
    expect(env.browser.problems(devAuth404)).toEqual([]);
  });
});
