/** The job form built from a job type's parameter schema, in real Chromium against the real server. */
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './browser.js';
import { reportHost } from './rest.js';

const env = useServerAndBrowser('all', { env: { DUMMY_DATA: 'false', SIMULATOR_INTERVAL_MS: '0', JOB_TICK_MS: '50' } });
const WAIT = { timeout: 10_000 };

async function jobCount(): Promise<number> {
  const res = await fetch(`${env.server.url}/api/v1/jobs`);
  return ((await res.json()) as { jobs: unknown[] }).jobs.length;
}

describe('the job form', () => {
  it('rejects a bad value inline with the server’s words, then submits a good one', async () => {
    const page = await env.browser.open(`${env.server.url}/#/jobs`);
    await page.locator('#ws-status.ws-connected').waitFor(WAIT);
    await page.locator('#job-type option[value="sleep"]').waitFor({ state: 'attached', ...WAIT });
    await page.locator('#job-field-duration_ms').waitFor(WAIT);
    const before = await jobCount();

    await page.fill('#job-field-duration_ms', '99999999');
    await page.click('#job-form button[type="submit"]');
    const error = page.locator('#job-field-duration_ms-error');
    await error.filter({ hasText: 'must be' }).waitFor(WAIT);
    expect(await error.textContent()).toBe('must be an integer from 0 to 3600000, got 99999999');
    expect(await page.getAttribute('#job-field-duration_ms', 'aria-invalid')).toBe('true');
    expect(await jobCount()).toBe(before);

    await page.fill('#job-field-duration_ms', '100');
    await page.click('#job-form button[type="submit"]');
    await page.locator('#job-detail').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#job-detail-title').textContent()).toBe('Sleep 100 ms');
    expect(await error.textContent()).toBe('');
    expect(await jobCount()).toBe(before + 1);
  });

  it('offers hosts and their VMs from the live inventory, and requires a VM', async () => {
    const page = await env.browser.open(`${env.server.url}/#/jobs`);
    await page.locator('#ws-status.ws-connected').waitFor(WAIT);
    await page.locator('#job-type option[value="vm.start"]').waitFor({ state: 'attached', ...WAIT });
    await page.selectOption('#job-type', 'vm.start');
    // A host reported after the page loaded shows up in the picker, live.
    await reportHost(env.server.url, 'hv-form-01', {
      vms: [
        { name: 'web-01', state: 'off' },
        { name: 'db-01', state: 'off' },
      ],
    });
    await page.locator('#job-field-host option[value="hv-form-01"]').waitFor({ state: 'attached', ...WAIT });
    await page.selectOption('#job-field-host', 'hv-form-01');
    expect(await page.locator('#job-field-vm option').allTextContents()).toEqual(['Choose a VM', 'db-01', 'web-01']);

    await page.click('#job-form button[type="submit"]');
    await page.locator('#job-field-vm-error', { hasText: 'is required' }).waitFor(WAIT);

    await page.selectOption('#job-field-vm', 'web-01');
    await page.click('#job-form button[type="submit"]');
    await page.locator('#job-detail-title', { hasText: 'Start VM hv-form-01/web-01' }).waitFor(WAIT);
  });

  it('takes raw JSON under "Advanced", showing the server’s refusal on the field, then starts the job', async () => {
    const page = await env.browser.open(`${env.server.url}/#/jobs`);
    await page.locator('#ws-status.ws-connected').waitFor(WAIT);
    await page.locator('#job-field-duration_ms').waitFor(WAIT);
    const before = await jobCount();
    await page.click('#job-advanced summary');
    const status = page.locator('#job-form-status');

    await page.fill('#job-params', '{"duration_ms": ');
    await page.click('#job-form button[type="submit"]');
    await status.filter({ hasText: 'Parameters are not valid JSON.' }).waitFor(WAIT);

    // Not checked on the page in this mode: the server refuses it, and says where.
    await page.fill('#job-params', '{"duration_ms": -5}');
    await page.click('#job-form button[type="submit"]');
    await status.filter({ hasText: 'Could not start the job' }).waitFor(WAIT);
    expect(await page.locator('#job-field-duration_ms-error').textContent()).toBe('must be an integer from 0 to 3600000, got -5');
    expect(await jobCount()).toBe(before);

    await page.fill('#job-params', '{"duration_ms": 250}');
    await page.click('#job-form button[type="submit"]');
    await page.locator('#job-detail-title', { hasText: 'Sleep 250 ms' }).waitFor(WAIT);
    expect(await jobCount()).toBe(before + 1);
  });
});
