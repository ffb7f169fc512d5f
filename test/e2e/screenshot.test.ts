/**
 * The open panel on a fresh server, written to test-output/panel-open.png, and to the README's
 * docs/screenshot.png when UPDATE_SCREENSHOT=1 (so a test run leaves tracked files alone).
 */
import { mkdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { createNotification, reportHost } from './rest.js';

const env = useServerAndBrowser('all');

it('shows the open panel with every level, read and unread', async () => {
  // A small fleet, so Home behind the panel has something to show.
  for (const [host, states] of [
    ['hv-01', ['running', 'running', 'off']],
    ['hv-02', ['running', 'paused']],
  ] as const)
    await reportHost(env.server.url, host, { cluster_id: 'cluster-a', vms: states.map((state, i) => ({ name: `vm-${i + 1}`, state })) });
  const made = [];
  for (const [title, level] of [
    ['Nightly backup finished', 'success'],
    ['VM web-01 started', 'info'],
  ] as const)
    made.push(await createNotification(env.server.url, title, level));
  // A condition raised twice, with a job action and a link: the row's count and buttons.
  const pressure = {
    title: 'Memory pressure on hv-02',
    message: 'Memory use above 90% for 5 minutes',
    level: 'warning',
    category: 'host',
    condition_key: 'host:hv-02:memory',
    actions: [
      { label: 'Start maintenance', kind: 'job', job_type: 'host.maintenance', parameters: { host: 'hv-02' } },
      { label: 'Runbook', kind: 'link', url: '/docs' },
    ],
  };
  for (let i = 0; i < 2; i++)
    await fetch(`${env.server.url}/api/v1/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pressure) });
  await fetch(`${env.server.url}/api/v1/notifications/${made[1]?.id ?? ''}/read`, { method: 'PUT' });
  const page = await env.browser.open(`${env.server.url}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 10_000 });
  await page.click('#bell');
  await createNotification(env.server.url, 'Host hv-03 disconnected', 'error');
  await page.locator('#new-marker:not([hidden])').waitFor({ timeout: 10_000 });
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: 'test-output/panel-open.png' });
  if (process.env.UPDATE_SCREENSHOT === '1') {
    mkdirSync('docs', { recursive: true });
    await page.screenshot({ path: 'docs/screenshot.png' });
  }
  expect(await page.locator('#list li').count()).toBe(4);
  expect(env.browser.problems(devAuth404)).toEqual([]);
});
