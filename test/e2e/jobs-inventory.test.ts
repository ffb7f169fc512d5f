/**
 * The Inventory and Jobs views in real Chromium against the real server: changes made over REST
 * (as an agent, a script or another user would) show up on the open page with no reload.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { changeVm, createJob, createVm, deleteVm, reportHost } from './rest.js';

const env = useServerAndBrowser('all', { env: { DUMMY_DATA: 'false', SIMULATOR_INTERVAL_MS: '0' } });
const WAIT = { timeout: 10_000 };

declare global {
  interface Window {
    /** Set by a test; still there afterwards only if the page was never reloaded. */
    __sameDocument?: number;
    __progress?: Array<{ id: string; value: number; status: string }>;
    __outputCounts?: number[];
  }
}

async function openAt(hash: string): Promise<Page> {
  const page = await env.browser.open(`${env.server.url}/${hash}`);
  await page.locator('#ws-status.ws-connected').waitFor(WAIT);
  await page.evaluate(() => void (window.__sameDocument = 1));
  return page;
}

const stillSameDocument = (page: Page): Promise<number | undefined> => page.evaluate(() => window.__sameDocument);
const vmBadge = (page: Page, id: string) => page.locator(`tr[data-vm="${id}"] .state`);
const hostBadge = (page: Page, host: string) => page.locator(`li[data-host="${host}"] .host-head .state`);

describe('the Inventory view, live', () => {
  it('shows hosts and VMs from the snapshot, then VM states, new VMs and a lost host as they change', async () => {
    await reportHost(env.server.url, 'hv-e2e-01', {
      cluster_id: 'east',
      cpu_cores: 32,
      memory_mb: 131072,
      cpu_usage_percent: 41,
      memory_usage_percent: 63,
      vms: [{ name: 'web-01', state: 'off', cpu_count: 4, memory_mb: 8192 }],
    });
    const page = await openAt('#/inventory');
    await page.locator('#view-inventory').waitFor({ state: 'visible' });
    expect(await page.locator('#nav-inventory').getAttribute('aria-current')).toBe('page');
    await page.locator('section[data-cluster="east"] li[data-host="hv-e2e-01"]').waitFor(WAIT);
    expect(await hostBadge(page, 'hv-e2e-01').textContent()).toContain('Connected');
    expect(await vmBadge(page, 'hv-e2e-01/web-01').getAttribute('data-state')).toBe('off');
    expect(await vmBadge(page, 'hv-e2e-01/web-01').textContent()).toContain('Off');
    expect(await page.locator('li[data-host="hv-e2e-01"] .last-seen').textContent()).toMatch(/^Last seen /);
    expect(await page.locator('li[data-host="hv-e2e-01"] .host-resources').textContent()).toContain('32 cores');

    await changeVm(env.server.url, 'hv-e2e-01', 'web-01', { state: 'running' });
    await page.locator('tr[data-vm="hv-e2e-01/web-01"] .state[data-state="running"]').waitFor(WAIT);
    expect(await vmBadge(page, 'hv-e2e-01/web-01').textContent()).toContain('Running');
    expect(await vmBadge(page, 'hv-e2e-01/web-01').getAttribute('class')).toContain('badge-ok');

    await createVm(env.server.url, { host: 'hv-e2e-01', name: 'db-01', state: 'paused', cpu_count: 8, memory_mb: 16384 });
    await page.locator('tr[data-vm="hv-e2e-01/db-01"] .state[data-state="paused"]').waitFor(WAIT);
    expect(await page.locator('tr[data-vm="hv-e2e-01/db-01"]').textContent()).toContain('16 GiB');
    await deleteVm(env.server.url, 'hv-e2e-01', 'db-01');
    await page.locator('tr[data-vm="hv-e2e-01/db-01"]').waitFor({ state: 'detached', ...WAIT });

    await reportHost(env.server.url, 'hv-e2e-01', { status: 'disconnected' });
    await page.locator('li[data-host="hv-e2e-01"] .host-head .state[data-state="disconnected"]').waitFor(WAIT);
    expect(await hostBadge(page, 'hv-e2e-01').textContent()).toContain('Disconnected');
    expect(await hostBadge(page, 'hv-e2e-01').getAttribute('class')).toContain('badge-bad');
    await reportHost(env.server.url, 'hv-e2e-02', { cluster_id: 'west', status: 'maintenance' });
    await page.locator('section[data-cluster="west"] li[data-host="hv-e2e-02"] .state[data-state="maintenance"]').waitFor(WAIT);
    expect(await page.locator('#inventory-status').textContent()).toBe('2 hosts (1 disconnected, 1 maintenance) · 1 VMs (1 running)');
    expect(await stillSameDocument(page)).toBe(1);
  });
});

describe('the Jobs view, live', () => {
  it('shows a REST-created job progressing to completed, with its bar filling up', async () => {
    const page = await openAt('#/jobs');
    await page
      .locator('#jobs-status')
      .filter({ hasText: /^No jobs yet\.$|jobs,/ })
      .waitFor(WAIT);
    // Record every value the job's bar shows, as the page changes it.
    await page.evaluate(() => {
      window.__progress = [];
      const list = document.getElementById('jobs-list') as HTMLElement;
      const record = (): void => {
        for (const bar of list.querySelectorAll<HTMLProgressElement>('tr[data-job-id] progress')) {
          const row = bar.closest('tr') as HTMLTableRowElement;
          const seen = window.__progress?.filter((p) => p.id === row.dataset.jobId).at(-1);
          if (seen?.value !== bar.value || seen.status !== row.dataset.status)
            window.__progress?.push({ id: row.dataset.jobId ?? '', value: bar.value, status: row.dataset.status ?? '' });
        }
      };
      new MutationObserver(record).observe(list, { subtree: true, childList: true, attributes: true });
    });
    const job = await createJob(env.server.url, 'sleep', { duration_ms: 1500 });
    const row = page.locator(`tr[data-job-id="${job.id}"]`);
    await row.waitFor(WAIT);
    expect(await row.locator('.job-link').textContent()).toBe('Sleep 1500 ms');
    await page.locator(`tr[data-job-id="${job.id}"][data-status="completed"]`).waitFor(WAIT);
    expect(await row.locator('.state').textContent()).toContain('Completed');
    expect(await row.locator('progress').getAttribute('value')).toBe('100');
    expect(await row.locator('progress').getAttribute('aria-label')).toBe('Progress of Sleep 1500 ms');

    const seen = (await page.evaluate(() => window.__progress ?? [])).filter((p) => p.id === job.id);
    const values = seen.map((p) => p.value);
    expect(
      values.some((v) => v > 0 && v < 100),
      `intermediate progress in ${JSON.stringify(seen)}`,
    ).toBe(true);
    expect(values.every((v, i) => i === 0 || v >= (values[i - 1] ?? 0))).toBe(true);
    expect(values.at(-1)).toBe(100);
    expect(seen.map((p) => p.status)).toContain('running');
    expect(await stillSameDocument(page)).toBe(1);
  });

  it('opens a running job from the keyboard and streams its output to the end', async () => {
    await reportHost(env.server.url, 'hv-e2e-03', { vms: [{ name: 'app-01', state: 'running' }] });
    const page = await openAt('#/');
    await page.focus('#nav-jobs');
    await page.keyboard.press('Enter');
    await page.locator('#view-jobs').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('title-jobs');
    expect(await page.locator('#view-home').isHidden()).toBe(true);

    const job = await createJob(env.server.url, 'backup', { host: 'hv-e2e-03', vm: 'app-01', target: 's3://backups', access_key: 'AKIA-not-shown' });
    const link = page.locator(`tr[data-job-id="${job.id}"] .job-link`);
    await link.waitFor(WAIT);
    await page.evaluate(() => {
      window.__outputCounts = [];
      const output = document.getElementById('job-output') as HTMLElement;
      new MutationObserver(() => window.__outputCounts?.push(output.children.length)).observe(output, { childList: true });
    });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.locator('#job-detail').waitFor({ state: 'visible' });
    expect(page.url()).toContain(`#/jobs/${job.id}`);
    expect(await page.locator('#job-detail-title').textContent()).toBe('Back up VM hv-e2e-03/app-01');

    await page.locator('#job-detail .detail-status .state[data-state="completed"]').waitFor(WAIT);
    const lines = await page
      .locator('#job-output li')
      .evaluateAll((lis) => lis.map((li) => [Number(li.getAttribute('data-seq')), li.querySelector('.line-text')?.textContent]));
    expect(lines).toEqual([
      [1, 'Started Back up VM hv-e2e-03/app-01'],
      [2, 'Taking a checkpoint of hv-e2e-03/app-01'],
      [3, 'Copied disk 1 of 3'],
      [4, 'Copied disk 2 of 3'],
      [5, 'Copied disk 3 of 3'],
      [6, 'Backup of hv-e2e-03/app-01 stored at s3://backups'],
      [7, 'Completed'],
    ]);
    // The lines arrived in more than one step while the job ran (not one load at the end).
    const counts = await page.evaluate(() => window.__outputCounts ?? []);
    expect(new Set(counts.filter((n) => n > 0 && n < 7)).size, `output counts ${JSON.stringify(counts)}`).toBeGreaterThan(0);
    expect(await page.locator('#job-detail').textContent()).toContain('"[REDACTED]"');
    expect(await page.locator('#job-detail').textContent()).not.toContain('AKIA-not-shown');
    expect(await page.locator('#job-cancel').isHidden()).toBe(true);

    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/jobs-e2e.png' });
    await page.locator('.close-detail').click();
    await page.locator('#job-detail').waitFor({ state: 'hidden' });
    expect(await stillSameDocument(page)).toBe(1);
  });

  it('starts a job from the form and cancels it from its details', async () => {
    const page = await openAt('#/jobs');
    await page.locator('#job-type option[value="sleep"]').waitFor({ state: 'attached', ...WAIT });
    await page.fill('#job-field-duration_ms', '60000');
    await page.click('#job-form button[type="submit"]');
    await page.locator('#job-detail').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#job-detail-title').textContent()).toBe('Sleep 60000 ms');
    await page.locator('#job-cancel').click();
    await page.locator('#job-detail .detail-status .state[data-state="cancelled"]').waitFor(WAIT);
    expect(await page.locator('tr.selected .state').textContent()).toContain('Cancelled');
  });

  it("links a job's notification to the job", async () => {
    const page = await openAt('#/');
    const job = await createJob(env.server.url, 'sleep', { duration_ms: 0 });
    await page.click('#bell');
    const link = page.locator(`#list a.related[href="#/jobs/${job.id}"]`);
    await link.waitFor(WAIT);
    expect(await link.getAttribute('aria-label')).toBe('View job: Sleep 0 ms');
    await page.screenshot({ path: 'test-output/panel-related.png' });
    await link.click();
    await page.locator('#job-detail .detail-status .state[data-state="completed"]').waitFor(WAIT);
    expect(await page.locator('#panel').isHidden()).toBe(true);
    expect(await page.locator('#job-detail-title').textContent()).toBe('Sleep 0 ms');
  });

  it('logged no console errors (beyond dev mode 404s of /auth/*)', () => {
    expect(env.browser.problems(devAuth404)).toEqual([]);
  });
});
