/** Actions where the VM is: jobs started from an Inventory row, in real Chromium against the real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { launchBrowser, useServerAndBrowser, type Browser } from './browser.js';
import { reportHost } from './rest.js';

const env = useServerAndBrowser('all', { env: { DUMMY_DATA: 'false', SIMULATOR_INTERVAL_MS: '0', JOB_TICK_MS: '300' } });
const WAIT = { timeout: 10_000 };

describe('actions on Inventory rows, as a writer', () => {
  it('starts a VM from its row and shows the job live on the row, then the new state', async () => {
    await reportHost(env.server.url, 'hv-act-01', {
      vms: [
        { name: 'web-01', state: 'off' },
        { name: 'db-01', state: 'running' },
      ],
    });
    const page = await env.browser.open(`${env.server.url}/#/inventory`);
    await page.locator('#ws-status.ws-connected').waitFor(WAIT);
    const row = page.locator('tr[data-vm="hv-act-01/web-01"]');
    await row.locator('button[data-action="vm.start"]').waitFor(WAIT);
    expect(await row.locator('button[data-action="vm.stop"]').count()).toBe(0);
    expect(await page.locator('li[data-host="hv-act-01"] button[data-action="host.maintenance"]').textContent()).toBe('Start maintenance');

    await row.locator('button[data-action="vm.start"]').click();
    const link = row.locator('a.row-job');
    await link.waitFor(WAIT);
    expect(await link.getAttribute('href')).toMatch(/^#\/jobs\/[0-9a-f-]{36}$/);
    await row.locator('.state[data-state="starting"]').waitFor(WAIT);
    await row.locator('.state[data-state="running"]').waitFor(WAIT);
    await link.waitFor({ state: 'detached', ...WAIT });
    // Running now: Stop is offered, Start is not.
    await row.locator('button[data-action="vm.stop"]').waitFor(WAIT);
    expect(await row.locator('button[data-action="vm.start"]').count()).toBe(0);
  });

  it('asks before a destructive action and does nothing when refused', async () => {
    const page = await env.browser.open(`${env.server.url}/#/inventory`);
    const row = page.locator('tr[data-vm="hv-act-01/db-01"]');
    await row.locator('button[data-action="vm.stop"]').waitFor(WAIT);
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await row.locator('button[data-action="vm.stop"]').click();
    expect(asked).toEqual(['Stop VM hv-act-01/db-01?']);
    await page.waitForTimeout(500);
    expect(await row.locator('a.row-job').count()).toBe(0);
    expect(await row.locator('.state').getAttribute('data-state')).toBe('running');

    // Maintenance takes a host's VMs away: asked first too.
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.locator('li[data-host="hv-act-01"] button[data-action="host.maintenance"]').click();
    expect(asked).toEqual(['Stop VM hv-act-01/db-01?', 'Start maintenance host hv-act-01?']);
    await page.waitForTimeout(300);
    expect(await page.locator('li[data-host="hv-act-01"] a.row-job').count()).toBe(0);
  });
});

describe('actions on Inventory rows, as a reader', () => {
  let srv: Running;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startInProcess({ DUMMY_DATA: 'false', SIMULATOR_INTERVAL_MS: '0' }, { authenticator: multiUserAuthenticator() });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('sees the actions disabled with the reason, and the API refuses the job', async () => {
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-read-01', { vms: [{ name: 'web-01', state: 'off' }] });
    const page = await browser.open('about:blank');
    await page.setExtraHTTPHeaders({ 'x-test-user': 'viewer-1' });
    await page.goto(`${srv.url}/#/inventory`);
    const button = page.locator('tr[data-vm="hv-read-01/web-01"] button[data-action="vm.start"]');
    await button.waitFor(WAIT);
    await page.locator('tr[data-vm="hv-read-01/web-01"] .row-why').waitFor(WAIT);
    expect(await button.isDisabled()).toBe(true);
    const why = await button.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${why ?? ''}"]`).textContent()).toBe('Needs the admin role');
    // Pressing it anyway (a disabled button takes no click) starts nothing.
    await button.click({ force: true });
    const jobsNow = async (): Promise<number> => ((await api(srv.url, 'GET', '/api/v1/jobs')).body as { jobs: unknown[] }).jobs.length;
    expect(await jobsNow()).toBe(0);

    const refused = await api(
      srv.url,
      'POST',
      '/api/v1/jobs',
      { type: 'vm.start', parameters: { host: 'hv-read-01', vm: 'web-01' } },
      { 'x-test-user': 'viewer-1' },
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'forbidden', detail: 'requires role admin' });
    // Refused before anything was written: no job, and the VM as it was.
    await page.waitForTimeout(300);
    expect(await jobsNow()).toBe(0);
    expect(await page.locator('tr[data-vm="hv-read-01/web-01"] a.row-job').count()).toBe(0);
    expect((await api(srv.url, 'GET', '/api/v1/vms/hv-read-01/web-01')).body).toMatchObject({ state: 'off' });
  });
});
