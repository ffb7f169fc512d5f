/**
 * /metrics: open in development mode only without METRICS_TOKEN, otherwise `Authorization: Bearer
 * <METRICS_TOKEN>`; topic counts per family, never per entity; empty topic entries are dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { API_TOKEN, METRICS_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { connectReady } from '../helpers/ws-client.js';

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});
async function start(env: Record<string, string>): Promise<Running> {
  const r = await startInProcess(env);
  running.push(r);
  return r;
}
const scrape = (r: Running, headers: Record<string, string> = {}): Promise<Response> => fetch(`${r.url}/metrics`, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const authOn = { AUTH_ENABLED: 'true', ALLOW_DEV_AUTH: 'false', SESSION_SECRET_KEY: SESSION_SECRET, API_TOKEN };

describe('/metrics access', () => {
  it('is open in development mode without a token', async () => {
    expect((await scrape(await start({}))).status).toBe(200);
  });

  it('needs the token once METRICS_TOKEN is set, in development mode too', async () => {
    const r = await start({ METRICS_TOKEN });
    const refused = await scrape(r);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await refused.text()).toContain('METRICS_TOKEN');
    expect((await scrape(r, bearer(`${METRICS_TOKEN}x`))).status).toBe(401);
    expect((await scrape(r, { authorization: METRICS_TOKEN })).status).toBe(401);
    const ok = await scrape(r, bearer(METRICS_TOKEN));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('aether_ws_connections');
  });

  it('with auth on is refused to everyone without METRICS_TOKEN, the API token included', async () => {
    const r = await start(authOn);
    expect((await scrape(r)).status).toBe(401);
    expect((await scrape(r, bearer(API_TOKEN))).status).toBe(401);
  });

  it('with auth on answers the metrics token only', async () => {
    const r = await start({ ...authOn, METRICS_TOKEN });
    expect((await scrape(r)).status).toBe(401);
    expect((await scrape(r, bearer(API_TOKEN))).status).toBe(401);
    expect((await scrape(r, bearer(METRICS_TOKEN))).status).toBe(200);
  });
});

describe('/metrics topic counts', () => {
  it('counts per family, shows no entity id, and forgets names nobody subscribes to any more', async () => {
    const r = await start({});
    const ids = ['hv-secret-01', 'hv-secret-02', 'job-9f8e'];
    const { client } = await connectReady(`${r.wsUrl}?topics=notifications,inventory:${ids[0]},inventory:${ids[1]},jobs:${ids[2]}`);
    const text = await (await scrape(r)).text();
    for (const line of [
      'aether_ws_subscriptions{family="inventory"} 2',
      'aether_ws_subscriptions{family="jobs"} 1',
      'aether_ws_subscribed_topics{family="inventory"} 2',
    ])
      expect(text).toContain(line);
    for (const id of ids) expect(text).not.toContain(id);
    await client.close();
    await expect.poll(() => r.server.hub.size).toBe(0);
    expect(r.server.hub.subscriptionCounts().size).toBe(0);
    expect(await (await scrape(r)).text()).not.toMatch(/aether_ws_subscribed_topics\{family="inventory"\} [1-9]/);
  });
});
