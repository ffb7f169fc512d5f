/**
 * One connection per browser, in real Chromium: three tabs of one profile hold one server
 * connection (counted by the server's `aether_ws_connections`), every tab shows every event,
 * and when the leader tab closes while events are being published, another tab takes over and
 * every remaining tab shows every event exactly once. With `?share=0` each tab connects itself.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { devAuth404, useServerAndBrowser } from './browser.js';
import { createNotification } from './rest.js';

const env = useServerAndBrowser('each');

/** A figure of the server's /metrics (0 when the series is not there yet). */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${env.server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Open connections (WebSockets and SSE streams) as the server counts them. */
const serverConnections = (): Promise<number> => metric('aether_ws_connections');
const recoveredResumes = (): Promise<number> => metric('aether_ws_resumes_total{recovered="true"}');

/** Waits until the server counts `n` connections, then checks it still does a moment later. */
async function expectConnections(n: number): Promise<void> {
  const until = Date.now() + 15_000;
  while ((await serverConnections()) !== n && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  expect(await serverConnections()).toBe(n);
}

/** Opens a tab that records the title of every `notification` `created` its page is handed. */
async function openTab(query: string): Promise<Page> {
  const page = await env.browser.open(`${env.server.url}/?ws_base_delay_ms=50${query}`);
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    window.wsClient.on('notification', (m) => {
      if (m.action === 'created' && 'title' in m.data) seen.push(m.data.title);
    });
  });
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 15_000 });
  await page.click('#bell');
  return page;
}

const seenBy = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { seen: string[] }).seen);

/** Waits until the tab's page was handed every title, then checks it got each exactly once. */
async function expectEachOnce(page: Page, titles: readonly string[]): Promise<void> {
  await page.waitForFunction((want) => want.every((t) => (window as unknown as { seen: string[] }).seen.includes(t)), titles, { timeout: 15_000 });
  const seen = (await seenBy(page)).filter((t) => titles.includes(t));
  expect(seen.length).toBe(titles.length);
  expect(new Set(seen).size).toBe(titles.length);
  const listed = await page.locator('#list li .title').allTextContents();
  for (const t of titles) expect(listed.filter((x) => x === t)).toEqual([t]);
}

// Over WebSocket (the default) and over Server-Sent Events: the leader holds whichever the choice gives.
it.each([
  ['WebSocket', ''],
  ['Server-Sent Events', '&transport=sse'],
])('three tabs hold one connection over %s; closing the leader mid-stream loses and repeats nothing', async (_name, transport) => {
  const tabs = [await openTab(transport), await openTab(transport), await openTab(transport)];
  const expected = transport === '' ? 'websocket' : 'sse';
  expect(await Promise.all(tabs.map((p) => p.evaluate(() => window.wsClient.getTransport())))).toEqual([expected, expected, expected]);
  const roles = await Promise.all(tabs.map((p) => p.evaluate(() => window.wsClient.getShareRole())));
  expect([...roles].sort()).toEqual(['follower', 'follower', 'leader']);
  await expectConnections(1);

  const before = ['Before 1', 'Before 2', 'Before 3'];
  for (const t of before) await createNotification(env.server.url, t);
  for (const page of tabs) await expectEachOnce(page, before);

  // Publish a steady stream while the leader tab closes: some land before, some during the
  // handover (no connection at all), some after the new leader is up.
  const leader = tabs[roles.indexOf('leader')] as Page;
  const rest = tabs.filter((p) => p !== leader);
  const resumesBefore = await recoveredResumes();
  const during = Array.from({ length: 12 }, (_, i) => `During ${i + 1}`);
  const stream = (async () => {
    for (const t of during) {
      await createNotification(env.server.url, t);
      await new Promise((r) => setTimeout(r, 60));
    }
  })();
  await new Promise((r) => setTimeout(r, 200));
  await leader.close({ runBeforeUnload: false });
  await stream;
  const after = ['After 1', 'After 2'];
  for (const t of after) await createNotification(env.server.url, t);

  for (const page of rest) {
    await page.locator('#ws-status.ws-connected').waitFor({ timeout: 15_000 });
    await expectEachOnce(page, [...before, ...during, ...after]);
  }
  const newRoles = await Promise.all(rest.map((p) => p.evaluate(() => window.wsClient.getShareRole())));
  expect([...newRoles].sort()).toEqual(['follower', 'leader']);
  await expectConnections(1);
  // The new leader resumed from the relayed positions: a replay, not a fresh snapshot.
  expect(await recoveredResumes()).toBeGreaterThan(resumesBefore);
  expect(env.browser.problems(devAuth404)).toEqual([]);
});

it('with ?share=0 each of three tabs holds its own connection', async () => {
  const tabs = [await openTab('&share=0'), await openTab('&share=0'), await openTab('&share=0')];
  expect(await Promise.all(tabs.map((p) => p.evaluate(() => window.wsClient.getShareRole())))).toEqual(['own', 'own', 'own']);
  await expectConnections(3);
  await createNotification(env.server.url, 'Each on its own');
  for (const page of tabs) await expectEachOnce(page, ['Each on its own']);
});

it('hands each tab only its own topics, and a tab that asks again for a topic the connection carries gets a snapshot', async () => {
  const [first, second] = [await openTab(''), await openTab('')] as [Page, Page];
  await expectConnections(1);
  const follower = (await first.evaluate(() => window.wsClient.getShareRole())) === 'follower' ? first : second;
  const leader = follower === first ? second : first;
  await follower.evaluate(() => {
    const w = window as unknown as { snapshots: string[][] };
    w.snapshots = [];
    window.wsClient.on('initial_state', (m) => w.snapshots.push((m.data.notifications ?? []).map((n) => n.title)));
    window.wsClient.unsubscribe('notifications');
  });
  await createNotification(env.server.url, 'Only for the leader');
  await expectEachOnce(leader, ['Only for the leader']);
  await new Promise((r) => setTimeout(r, 500));
  expect(await seenBy(follower)).toEqual([]);

  // The connection still carries `notifications` (the leader's): no subscribe reaches the server,
  // so the leader asks for a fresh snapshot, and the follower's page gets it, then live events.
  await follower.evaluate(() => window.wsClient.subscribe('notifications'));
  await follower.waitForFunction(() => (window as unknown as { snapshots: string[][] }).snapshots.some((s) => s.includes('Only for the leader')), undefined, {
    timeout: 10_000,
  });
  await createNotification(env.server.url, 'For both again');
  await expectEachOnce(follower, ['For both again']);
  await expectEachOnce(leader, ['Only for the leader', 'For both again']);
  expect(await seenBy(follower)).toEqual(['For both again']);
});
