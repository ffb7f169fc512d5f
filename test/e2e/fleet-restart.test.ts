/**
 * A server restart under the open Inventory and Jobs views: changes made before the page is back
 * are replayed into the views (resume), and the views end equal to the REST API.
 */
import { expect, it } from 'vitest';
import { serverDown, useServerAndBrowser } from './browser.js';
import { changeVm, createJob, reportHost } from './rest.js';

const env = useServerAndBrowser('each', { env: { DUMMY_DATA: 'false', SIMULATOR_INTERVAL_MS: '0' } });

declare global {
  interface Window {
    __resumed?: Array<{ topic: string; recovered: boolean; replayed: number }>;
  }
}

it('replays what changed while the page was away into both views', async () => {
  await reportHost(env.server.url, 'hv-r1', {
    cluster_id: 'dc1',
    vms: [
      { name: 'web', state: 'running' },
      { name: 'db', state: 'running' },
    ],
  });
  const done = await createJob(env.server.url, 'sleep', { duration_ms: 0 });
  // Finished before the restart (a job still running then would be failed as interrupted).
  for (let i = 0; i < 200 && ((await (await fetch(`${env.server.url}/api/v1/jobs/${done.id}`)).json()) as { status: string }).status !== 'completed'; i++)
    await new Promise((r) => setTimeout(r, 50));
  const page = await env.browser.open(`${env.server.url}/?ws_base_delay_ms=4000&ws_max_delay_ms=5000#/inventory`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  await page.locator('tr[data-vm="hv-r1/db"] .state[data-state="running"]').waitFor({ timeout: 10_000 });
  await page.evaluate(() => {
    window.__resumed = [];
    window.wsClient.on('resumed', (m) => window.__resumed?.push({ topic: m.topic, recovered: m.recovered, replayed: m.replayed }));
  });

  await env.server.stop();
  await page.locator('#ws-status.ws-reconnecting').waitFor({ timeout: 10_000 });
  await env.server.start();
  // The page waits 3.2–4 s before it tries again: these happen while it is away.
  await changeVm(env.server.url, 'hv-r1', 'db', { state: 'stopping' });
  await changeVm(env.server.url, 'hv-r1', 'db', { state: 'off' });
  await reportHost(env.server.url, 'hv-r1', { status: 'maintenance' });
  const job = await createJob(env.server.url, 'sleep', { duration_ms: 200 });

  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 15_000 });
  await page.locator('tr[data-vm="hv-r1/db"] .state[data-state="off"]').waitFor({ timeout: 10_000 });
  await page.locator('li[data-host="hv-r1"] .host-head .state[data-state="maintenance"]').waitFor({ timeout: 10_000 });
  const resumed = await page.evaluate(() => window.__resumed ?? []);
  expect(resumed.filter((r) => r.topic === 'inventory')).toEqual([expect.objectContaining({ recovered: true })]);
  expect(resumed.find((r) => r.topic === 'inventory')?.replayed).toBeGreaterThanOrEqual(1);

  await page.click('#nav-jobs');
  await page.locator(`tr[data-job-id="${job.id}"][data-status="completed"]`).waitFor({ timeout: 10_000 });
  await page.locator(`tr[data-job-id="${done.id}"][data-status="completed"]`).waitFor({ timeout: 10_000 });
  const jobs = (await (await fetch(`${env.server.url}/api/v1/jobs`)).json()) as { jobs: Array<{ id: string; status: string; progress: number }> };
  const rows = await page
    .locator('#jobs-list tr')
    .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-job-id'), tr.getAttribute('data-status'), Number(tr.querySelector('progress')?.value)]));
  expect(rows).toEqual(jobs.jobs.map((j) => [j.id, j.status, j.progress]));

  const inventory = (await (await fetch(`${env.server.url}/api/v1/inventory`)).json()) as { vms: Array<{ id: string; state: string }> };
  const shown = await page
    .locator('tr[data-vm] .state')
    .evaluateAll((els) => els.map((el) => [el.closest('tr')?.getAttribute('data-vm'), el.getAttribute('data-state')]));
  expect(shown).toEqual(inventory.vms.map((v) => [v.id, v.state]).sort());
  expect(env.browser.problems(serverDown)).toEqual([]);
});
