/**
 * The Inventory and Jobs filters kept in the URL, surviving a reload, in real Chromium. Home moving
 * with the simulator, and the filters opened from a shared URL: home-simulator.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './browser.js';
import { createJob, reportHost } from './rest.js';

const env = useServerAndBrowser('all', { env: { DUMMY_DATA: 'false', SIMULATOR_INTERVAL_MS: '0', JOB_TICK_MS: '20' } });
const WAIT = { timeout: 10_000 };

describe('filters', () => {
  it('filter the Inventory by name, state and cluster, in the URL, surviving a reload', async () => {
    await reportHost(env.server.url, 'hv-g-01', {
      cluster_id: 'east',
      vms: [
        { name: 'web-01', state: 'running' },
        { name: 'db-01', state: 'running' },
      ],
    });
    await reportHost(env.server.url, 'hv-g-02', { cluster_id: 'west', vms: [{ name: 'web-02', state: 'off' }] });
    const page = await env.browser.open(`${env.server.url}/#/inventory`);
    await page.locator('tr[data-vm="hv-g-02/web-02"]').waitFor(WAIT);
    await page.fill('#inventory-q', 'web');
    await page.selectOption('#inventory-state', 'running');
    await page.locator('tr[data-vm="hv-g-02/web-02"]').waitFor({ state: 'detached', ...WAIT });
    expect(new URL(page.url()).hash).toBe('#/inventory?q=web&state=running');
    expect(await page.locator('tr[data-vm]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-vm')))).toEqual(['hv-g-01/web-01']);

    await page.reload();
    await page.locator('tr[data-vm="hv-g-01/web-01"]').waitFor(WAIT);
    expect(await page.inputValue('#inventory-q')).toBe('web');
    expect(await page.inputValue('#inventory-state')).toBe('running');
    expect(await page.locator('tr[data-vm]').count()).toBe(1);

    await page.selectOption('#inventory-state', '');
    await page.selectOption('#inventory-cluster', 'west');
    await page.locator('tr[data-vm="hv-g-01/web-01"]').waitFor({ state: 'detached', ...WAIT });
    expect(new URL(page.url()).hash).toBe('#/inventory?q=web&cluster=west');
    expect(await page.locator('tr[data-vm]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-vm')))).toEqual(['hv-g-02/web-02']);
    await page.reload();
    await page.locator('tr[data-vm="hv-g-02/web-02"]').waitFor(WAIT);
    expect(await page.inputValue('#inventory-cluster')).toBe('west');
    expect(await page.locator('tr[data-vm]').count()).toBe(1);
  });

  it('filter Jobs by status, in the URL, surviving a reload', async () => {
    const ok = await createJob(env.server.url, 'sleep', { duration_ms: 20 });
    const bad = await createJob(env.server.url, 'fail', { message: 'on purpose' });
    const page = await env.browser.open(`${env.server.url}/#/jobs`);
    await page.locator(`tr[data-job-id="${ok.id}"]`).waitFor(WAIT);
    await page.locator(`tr[data-job-id="${bad.id}"] .job-status`, { hasText: 'Failed' }).waitFor(WAIT);
    await page.selectOption('#jobs-status-filter', 'failed');
    await page.locator(`tr[data-job-id="${ok.id}"]`).waitFor({ state: 'detached', ...WAIT });
    expect(new URL(page.url()).hash).toBe('#/jobs?status=failed');

    await page.reload();
    await page.locator(`tr[data-job-id="${bad.id}"]`).waitFor(WAIT);
    expect(await page.inputValue('#jobs-status-filter')).toBe('failed');
    expect(await page.locator(`tr[data-job-id="${ok.id}"]`).count()).toBe(0);

    // Opening a job from the filtered list and closing it keeps the filter.
    await page.click(`tr[data-job-id="${bad.id}"] a.job-link`);
    await page.locator('#job-detail').waitFor({ state: 'visible', ...WAIT });
    expect(new URL(page.url()).hash).toBe(`#/jobs/${bad.id}?status=failed`);
    expect(await page.locator(`tr[data-job-id="${ok.id}"]`).count()).toBe(0);
    expect(await page.inputValue('#jobs-status-filter')).toBe('failed');
  });
});
