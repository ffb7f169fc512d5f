/**
 * Home's fleet at a glance moving as the demo simulator (src/services/simulator.ts) changes the
 * fleet, and the Inventory and Jobs filters opened from a shared URL, in real Chromium against the
 * real server on the demo fleet (DUMMY_DATA).
 *
 * The first part drives the simulator one step at a time with scripted dice, so each step is known
 * and the page's counts are compared with the server's after each; the second runs the server's
 * own simulator on a fast tick, as `npm run demo` does on a slow one.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, Job, Vm } from '../../src/protocol/index.js';
import { createSimulator, type Simulator } from '../../src/services/simulator.js';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { devAuth404, launchBrowser, type Browser } from './browser.js';
import { createJob } from './rest.js';

const WAIT = { timeout: 10_000 };
type Counts = Record<string, Record<string, number>>;

/** Hosts by status and VMs by state, as the server has them now. */
async function serverCounts(url: string): Promise<Counts> {
  const { hosts, vms } = (await (await fetch(`${url}/api/v1/inventory`)).json()) as { hosts: Host[]; vms: Vm[] };
  const tally = (values: readonly string[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const v of values) out[v] = (out[v] ?? 0) + 1;
    return out;
  };
  return { hosts: tally(hosts.map((h) => h.status)), vms: tally(vms.map((v) => v.state)), totals: { hosts: hosts.length, vms: vms.length } };
}

/** The same counts, as Home shows them (read at once, so one render), with the totals it prints. */
async function pageCounts(page: Page): Promise<Counts> {
  return page.evaluate(() => {
    const read = (card: string): Record<string, number> => {
      const items = [...document.querySelectorAll(`[data-glance="${card}"] li[data-count]`)];
      return Object.fromEntries(items.map((li) => [li.getAttribute('data-count') ?? '', Number(li.querySelector('.count')?.textContent)]));
    };
    const total = (card: string): number => Number(document.querySelector(`[data-glance="${card}"] .total`)?.textContent);
    return { hosts: read('hosts'), vms: read('vms'), totals: { hosts: total('hosts'), vms: total('vms') } };
  });
}

/** Waits until Home shows exactly what the server has. */
async function expectHomeMatches(page: Page, url: string): Promise<Counts> {
  const wanted = await serverCounts(url);
  await expect.poll(() => pageCounts(page), WAIT).toEqual(wanted);
  return wanted;
}

describe('home, driven by the simulator step by step', () => {
  let srv: Running;
  let browser: Browser;
  let simulator: Simulator;
  const dice: number[] = [];
  /** One simulator step with these dice (what is left over falls back to 0.99). */
  const step = (...rolls: number[]): Promise<string> => {
    dice.splice(0, dice.length, ...rolls);
    return simulator.step();
  };

  beforeAll(async () => {
    srv = await startInProcess({ DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '0', JOB_TICK_MS: '150' });
    const { inventoryService: inventory, jobService: jobs, logger } = srv.server;
    // The server's own simulator is off; this one drives the same services, on demand.
    simulator = createSimulator({ inventory, jobs, logger, intervalMs: 3_600_000, random: () => dice.shift() ?? 0.99 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await simulator?.close();
    await browser?.close();
    await srv?.close();
  });

  it('moves the counts, problems and running jobs as the simulator changes the fleet', async () => {
    const page = await browser.open(`${srv.url}/`);
    await page.locator('#ws-status.ws-connected').waitFor(WAIT);
    const seeded = await expectHomeMatches(page, srv.url);
    expect(seeded.hosts).toEqual({ connected: 3, disconnected: 2 });
    // Each count links to the Inventory filtered to it.
    expect(await page.locator('[data-glance="vms"] li[data-count="running"] a').getAttribute('href')).toBe('#/inventory?state=running');
    expect(await page.locator('[data-glance="hosts"] li[data-count="disconnected"] a').getAttribute('href')).toBe('#/inventory?status=disconnected');

    // A connected host is lost: one more disconnected, and it is listed as a problem.
    const lost = /^host (\S+) lost$/.exec(await step(0, 0))?.[1];
    expect(lost).toBeDefined();
    await page.locator('[data-glance="problems"] a', { hasText: `Host ${lost ?? '?'} is disconnected` }).waitFor(WAIT);
    expect((await expectHomeMatches(page, srv.url)).hosts).toEqual({ connected: 2, disconnected: 3 });

    // A VM flips state: the VM counts move by one each way.
    const flipped = await step(0.5, 0, 0);
    expect(flipped).toMatch(/^vm \S+ → (running|off|paused|saved)$/);
    const after = await expectHomeMatches(page, srv.url);
    expect(after.vms).not.toEqual(seeded.vms);

    // A lost host comes back: off the problems list.
    const back = /^host (\S+) back$/.exec(await step(0.1, 0))?.[1];
    expect(back).toBeDefined();
    await page.locator('[data-glance="problems"] a', { hasText: `Host ${back ?? '?'} is disconnected` }).waitFor({ state: 'detached', ...WAIT });
    expect((await expectHomeMatches(page, srv.url)).hosts).toEqual({ connected: 3, disconnected: 2 });

    // The simulator starts a backup: Home lists it with its progress, then drops it when done.
    expect(await step(0.9, 0, 0.3)).toMatch(/^job backup \S+$/);
    const listed = page.locator('[data-glance="running"] li[data-job-id]');
    await listed.waitFor(WAIT);
    const id = await listed.getAttribute('data-job-id');
    const job = (await (await fetch(`${srv.url}/api/v1/jobs/${id ?? ''}`)).json()) as Job;
    expect(job).toMatchObject({ type: 'backup', created_by: 'simulator' });
    expect(await listed.locator('a').getAttribute('href')).toBe(`#/jobs/${job.id}`);
    await listed.locator('progress').waitFor(WAIT);
    await listed.waitFor({ state: 'detached', timeout: 15_000 });
    expect(browser.problems(devAuth404)).toEqual([]);
  });

  it('opens the Inventory and Jobs filtered from a shared URL, in a fresh browser', async () => {
    await createJob(srv.url, 'sleep', { duration_ms: 10 });
    const { hosts, vms } = (await (await fetch(`${srv.url}/api/v1/inventory`)).json()) as { hosts: Host[]; vms: Vm[] };
    const inB = new Set(hosts.filter((h) => h.cluster_id === 'cluster-b').map((h) => h.id));
    const wanted = vms.filter((v) => inB.has(v.host_id) && v.state === 'running').map((v) => v.id);
    expect(wanted.length).toBeGreaterThan(0);
    const jobs = ((await (await fetch(`${srv.url}/api/v1/jobs`)).json()) as { jobs: Job[] }).jobs;
    const byTheSimulator = jobs.filter((j) => j.type === 'backup' && j.created_by === 'simulator').map((j) => j.id);
    expect(byTheSimulator.length).toBe(1);
    expect(jobs.some((j) => j.created_by !== 'simulator')).toBe(true);

    const other = await launchBrowser();
    try {
      const page = await other.open(`${srv.url}/#/inventory?cluster=cluster-b&state=running`);
      await page.locator('tr[data-vm]').first().waitFor(WAIT);
      await expect.poll(() => page.inputValue('#inventory-cluster'), WAIT).toBe('cluster-b');
      expect(await page.inputValue('#inventory-state')).toBe('running');
      expect(await page.locator('tr[data-vm]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-vm')).sort())).toEqual(wanted.sort());

      await page.goto(`${srv.url}/#/jobs?type=backup&user=simul`);
      await page.locator('#jobs-list tr[data-job-id]').first().waitFor(WAIT);
      await expect.poll(() => page.inputValue('#jobs-type'), WAIT).toBe('backup');
      expect(await page.inputValue('#jobs-user')).toBe('simul');
      expect(await page.locator('#jobs-list tr[data-job-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')))).toEqual(byTheSimulator);
      expect(other.problems(devAuth404)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('home, with the server’s own simulator on a fast tick', () => {
  let srv: Running;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startInProcess({ DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '100', JOB_TICK_MS: '100' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('shows counts that keep moving, live, with no reload', async () => {
    const page = await browser.open(`${srv.url}/`);
    await page.locator('[data-glance="vms"] li[data-count]').first().waitFor(WAIT);
    const first = await pageCounts(page);
    await expect.poll(() => pageCounts(page), { timeout: 15_000 }).not.toEqual(first);
    // Every VM is still counted once: the states add up to the total shown, which has not moved.
    const now = await pageCounts(page);
    expect(Object.values(now.vms ?? {}).reduce((a, b) => a + b, 0)).toBe(now.totals?.vms);
    expect(now.totals).toEqual(first.totals);
    expect(browser.problems(devAuth404)).toEqual([]);
  });
});
