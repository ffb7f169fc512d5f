/**
 * Topic-name leak and /metrics cardinality (issue 14, finding 3). Waves of sockets each subscribe
 * to 99 random well-formed `inventory:<120 hex>` names and close, while four scrapers read /metrics
 * with the token. Nothing a closed socket subscribed to may stay behind: the server's RSS growth
 * (peak during the attack, and again after it settled; no forced GC, so a bound on growth rather
 * than "back to the byte"; the child's old space is capped so garbage is collected, not kept) stays small, /metrics stays a few KB without any of the names and
 * counts no topic once all are closed, anonymous scrapes are refused, and /healthz is not stalled.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, METRICS_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { connectClient, type TestClient } from '../helpers/ws-client.js';
import { devPublish, held, rssMiB, startServer, underAttack, type ChildServer } from './harness.js';

const WAVES = 300;
const SOCKETS_PER_WAVE = 2;
const NAMES_PER_SOCKET = 99; // plus `inventory`: WS_MAX_SUBSCRIPTIONS (100)
const METRICS_BYTES_BOUND = 64 * 1024;
const SETTLED_RSS_BOUND_MIB = 35;
const ATTACK_BOUND_MS = 30_000;

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function scrape(server: ChildServer, headers: Record<string, string> = bearer(METRICS_TOKEN)): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`${server.url}/metrics`, { headers, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: String(err) };
  }
}

/**
 * One socket: subscribes to `names` and waits for the acknowledgement. It holds the whole
 * `inventory` family first, so its `inventory:<id>` names add no snapshot of their own: this
 * measures what the names leave behind, not the cost of scoped snapshots.
 */
async function subscriber(server: ChildServer, names: readonly string[]): Promise<TestClient> {
  const client = await connectClient(`${server.wsUrl}?topics=inventory`, { headers: bearer(API_TOKEN) });
  client.send({ type: 'subscribe', topics: names });
  await client.next((m) => m.type === 'subscription' && m.status === 'subscribed', 10_000);
  return client;
}

describe('topic-name leak and /metrics cardinality', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startServer({
      env: {
        AUTH_ENABLED: 'true',
        ALLOW_DEV_AUTH: 'false',
        SESSION_SECRET_KEY: SESSION_SECRET,
        API_TOKEN,
        METRICS_TOKEN,
        // One principal opens every socket: lift the per-user/IP and rate caps so only the leak is measured.
        WS_MAX_CONNECTIONS_PER_USER: '0',
        WS_MAX_CONNECTIONS_PER_IP: '0',
        WS_MESSAGES_PER_SECOND: '0',
        WS_MAX_CONNECT_RATE: '0',
        // No forced GC from outside: a capped old space makes V8 collect rather than grow, so RSS
        // growth reflects what is kept (the server's live heap is about 20 MiB).
        NODE_OPTIONS: '--max-old-space-size=64',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('forgets every name once its sockets close, and /metrics stays small, nameless and guarded', async () => {
    const pid = server.pid as number;
    const names = new Set<string>();
    let worstMetricsBytes = 0;
    let worstScrapeMs = 0;
    let anonymousStatus = 0;
    let failedScrapes = 0;
    const rssBefore = rssMiB(pid);
    const report = await underAttack(
      'topic leak',
      server,
      async () => {
        let scraping = true;
        const scrapers = Array.from({ length: 4 }, async () => {
          while (scraping) {
            const t0 = performance.now();
            const { status, text } = await scrape(server);
            worstScrapeMs = Math.max(worstScrapeMs, performance.now() - t0);
            if (status !== 200) failedScrapes += 1;
            worstMetricsBytes = Math.max(worstMetricsBytes, Buffer.byteLength(text));
            await sleep(200);
          }
        });
        try {
          // Bounded in time too: a server that keeps every name slows down until the waves stop.
          const deadline = Date.now() + ATTACK_BOUND_MS;
          for (let wave = 0; wave < WAVES && Date.now() < deadline; wave++) {
            const clients = await Promise.all(
              Array.from({ length: SOCKETS_PER_WAVE }, () => {
                const mine = Array.from({ length: NAMES_PER_SOCKET }, () => `inventory:${randomBytes(60).toString('hex')}`);
                for (const n of mine) names.add(n);
                return subscriber(server, mine);
              }),
            );
            await Promise.all(clients.map((c) => c.close()));
          }
          anonymousStatus = (await scrape(server, {})).status;
        } finally {
          scraping = false;
          await Promise.all(scrapers);
        }
      },
      {
        connect: (s) => connectClient(`${s.wsUrl}?topics=notifications`, { headers: bearer(API_TOKEN) }),
        publish: (s, title) => devPublish(s, title, bearer(API_TOKEN)),
      },
    );

    await sleep(1000);
    const settledGrowthMiB = Math.round((rssMiB(pid) - rssBefore) * 10) / 10;
    const after = await scrape(server);
    const leakedNames = [...names].filter((n) => after.text.includes(n.slice('inventory:'.length))).length;
    const inventoryTopics = Number(/^aether_ws_subscribed_topics\{family="inventory"\} (\d+)/m.exec(after.text)?.[1] ?? 0);
    console.log(
      `[security] topic leak: ${names.size} names on ${WAVES * SOCKETS_PER_WAVE} sockets; RSS +${settledGrowthMiB} MiB after settling; ` +
        `/metrics at most ${worstMetricsBytes} B, slowest scrape ${Math.round(worstScrapeMs)} ms; inventory topics left ${inventoryTopics}; anonymous /metrics ${anonymousStatus}; failed scrapes ${failedScrapes}`,
    );

    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    expect(names.size).toBe(WAVES * SOCKETS_PER_WAVE * NAMES_PER_SOCKET);
    expect(failedScrapes).toBe(0);
    expect(settledGrowthMiB).toBeLessThan(SETTLED_RSS_BOUND_MIB);
    expect(worstMetricsBytes).toBeLessThan(METRICS_BYTES_BOUND);
    expect(leakedNames).toBe(0);
    expect(inventoryTopics).toBe(0);
    expect(anonymousStatus).toBe(401);
  }, 90_000);
});
