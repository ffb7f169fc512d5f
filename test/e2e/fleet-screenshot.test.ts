/**
 * Home, the Inventory and Jobs views on the demo fleet (DUMMY_DATA, simulator off so the picture
 * is stable), written to test-output/, and to docs/screenshot-home.png,
 * docs/screenshot-inventory.png and docs/screenshot-jobs.png when UPDATE_SCREENSHOT=1: Home with a
 * running job and a failed one, the Inventory with a backup running on a VM's row, the Jobs view
 * with the job form's host and VM pickers and an inline error, and a job open.
 */
import { mkdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { createJob } from './rest.js';

const env = useServerAndBrowser('all', { env: { DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '0', JOB_TICK_MS: '700' } });

async function shoot(page: import('playwright-core').Page, name: string): Promise<void> {
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: `test-output/${name}.png`, fullPage: true });
  if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: `docs/${name}.png`, fullPage: true });
}

it('shows the demo fleet on Home, in the Inventory view with a job on a row, and in the Jobs view with the form', async () => {
  const inventory = (await (await fetch(`${env.server.url}/api/v1/inventory`)).json()) as {
    hosts: Array<{ id: string; status: string }>;
    vms: Array<{ id: string; host_id: string; name: string; state: string }>;
  };
  const connected = inventory.vms.filter((v) => inventory.hosts.some((h) => h.id === v.host_id && h.status === 'connected'));
  const [target, other] = connected;
  if (target === undefined || other === undefined) throw new Error('the demo fleet has too few VMs on connected hosts');
  await createJob(env.server.url, 'fail', { message: 'datastore ds-02 is read-only' });
  await createJob(env.server.url, 'sleep', { duration_ms: 40_000 });

  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  await page.locator('[data-glance="hosts"] .total', { hasText: String(inventory.hosts.length) }).waitFor({ timeout: 10_000 });
  expect(await page.locator('[data-glance="vms"] .total').textContent()).toBe(String(inventory.vms.length));
  await page.locator('[data-glance="running"] li progress:not([value="0"]):not([value="1"]):not([value="2"])').waitFor({ timeout: 10_000 });
  await page.locator('[data-glance="problems"] a', { hasText: 'failed' }).waitFor({ timeout: 10_000 });
  await shoot(page, 'screenshot-home');

  // A backup of `other` runs long enough (slow tick) to be seen on its row.
  await page.goto(`${env.server.url}/#/inventory`);
  await page.locator('button.row-action').first().waitFor({ timeout: 10_000 });
  expect(await page.locator('li[data-host]').count()).toBe(inventory.hosts.length);
  expect(await page.locator('tr[data-vm]').count()).toBe(inventory.vms.length);
  expect(await page.locator('li[data-host] .host-head .state[data-state="disconnected"]').count()).toBe(
    inventory.hosts.filter((h) => h.status === 'disconnected').length,
  );
  await page.locator(`tr[data-vm="${other.id}"] button[data-action="backup"]`).click();
  await page.locator(`tr[data-vm="${other.id}"] a.row-job`).waitFor({ timeout: 10_000 });
  await page.locator(`tr[data-vm="${other.id}"] progress:not([value="0"])`).waitFor({ timeout: 10_000 });
  await shoot(page, 'screenshot-inventory');

  const backup = await createJob(env.server.url, 'backup', { host: target.host_id, vm: target.name, target: 'nfs://backup-01/vms' });
  await page.goto(`${env.server.url}/#/jobs/${backup.id}`);
  await page.locator('#job-detail .detail-status .state[data-state="completed"]').waitFor({ timeout: 30_000 });
  await page.locator('#jobs-list tr[data-status="failed"]').waitFor({ timeout: 10_000 });
  // The form for a backup: host and VM pickers from the inventory; submitting without a VM is refused inline.
  await page.selectOption('#job-type', 'backup');
  await page.selectOption('#job-field-host', target.host_id);
  await page.click('#job-form button[type="submit"]');
  await page.locator('#job-field-vm-error', { hasText: 'is required' }).waitFor({ timeout: 10_000 });
  await shoot(page, 'screenshot-jobs');
  expect(env.browser.problems(devAuth404)).toEqual([]);
});
