/**
 * Slowloris (issue 14, finding 8): 1,000 connections each send part of a WebSocket upgrade and
 * then nothing. With HTTP_MAX_CONNECTIONS at 600 and HTTP_HEADERS_TIMEOUT_MS at 2 s, the server
 * must close the ones over the cap at once and every other one within the headers timeout (plus
 * Node's checking interval, a twentieth of it), while the honest client keeps being served. The
 * attack starts once the honest client, the publisher and the /healthz probe hold their
 * keep-alive connections: a full server refuses new connections, that is the point of the cap.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { held, startServer, underAttack, type ChildServer } from './harness.js';

const ATTACKERS = 1000;
const CAP = 600;
const HEADERS_TIMEOUT_MS = 2000;
/** Headers timeout, Node's checking interval (a twentieth of it) and scheduling slack on a busy machine. */
const CLOSE_BOUND_MS = HEADERS_TIMEOUT_MS + HEADERS_TIMEOUT_MS / 20 + 1500;
/** How long the test waits for the server to close them before it gives up and closes them itself. */
const GIVE_UP_MS = 8000;

interface Held {
  /** How long each connection stayed open, from connect to the server's close. */
  readonly lifetimesMs: number[];
  /** Connections the server closed without a byte (over the cap at accept). */
  refused: number;
  /** Connections the server answered 408 (headers timeout). */
  timedOut: number;
  /** Connections still open when the test gave up. */
  stillOpen: number;
}

/**
 * Opens `count` connections, 100 every 50 ms, that each send part of an upgrade request and
 * then nothing; waits until the server closed all, or GIVE_UP_MS.
 */
async function partialUpgrades(port: number, count: number): Promise<Held> {
  const result: Held = { lifetimesMs: [], refused: 0, timedOut: 0, stillOpen: 0 };
  const sockets: net.Socket[] = [];
  const one = (i: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      let answered = false;
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`GET /ws?topics=notifications HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow-${i}: `);
      });
      sockets.push(socket);
      socket.on('data', (d: Buffer) => {
        if (d.toString('latin1').startsWith('HTTP/1.1 408')) answered = true;
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        result.lifetimesMs.push(performance.now() - started);
        if (answered) result.timedOut += 1;
        else result.refused += 1;
        resolve();
      });
    });
  const done: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    done.push(one(i));
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
  }
  const all = Promise.all(done);
  const timer = new Promise<void>((r) => setTimeout(r, GIVE_UP_MS));
  await Promise.race([all, timer]);
  result.stillOpen = sockets.filter((s) => !s.destroyed && !s.closed).length;
  for (const s of sockets) s.destroy();
  await all;
  return result;
}

/** A metric's value from /metrics (dev mode: open). */
async function gauge(server: ChildServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

describe('slowloris: partial upgrade requests', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startServer({
      env: {
        HTTP_MAX_CONNECTIONS: String(CAP),
        WS_MAX_CONNECTIONS: '100',
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: '5000',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes each within the headers timeout, holds the cap, and keeps serving the honest client', async () => {
    let attack: Held | undefined;
    let peakOpen = 0;
    const report = await underAttack('slowloris', server, async () => {
      // The server's own count of open connections, read over a connection opened before the attack.
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          peakOpen = Math.max(peakOpen, await gauge(server, 'aether_http_connections'));
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      try {
        attack = await partialUpgrades(server.port, ATTACKERS);
      } finally {
        watching = false;
        await watcher;
      }
    });
    const a = attack as Held;
    const slowest = Math.round(Math.max(0, ...a.lifetimesMs));
    const refusedByServer = await gauge(server, 'aether_http_connections_refused_total');
    console.log(
      `[security] slowloris: ${ATTACKERS} partial upgrades, cap ${CAP}: server saw at most ${peakOpen} open, refused ${refusedByServer} at accept ` +
        `(client saw ${a.refused} closed unanswered, ${a.timedOut} answered 408); slowest close ${slowest} ms (bound ${CLOSE_BOUND_MS}); ${a.stillOpen} still open after ${GIVE_UP_MS} ms`,
    );

    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    expect(a.stillOpen).toBe(0);
    expect(slowest).toBeLessThan(CLOSE_BOUND_MS);
    expect(peakOpen).toBeGreaterThan(0);
    expect(peakOpen).toBeLessThanOrEqual(CAP);
    // About ATTACKERS - CAP, fewer when the first ones time out before the last arrive (a busy machine).
    expect(a.refused).toBeGreaterThan(0);
    expect(refusedByServer).toBeGreaterThanOrEqual(a.refused);
    expect(a.refused + a.timedOut).toBe(ATTACKERS);
  }, 40_000);

  it('holds the cap per worker under WORKERS=2, without the primary passing refused connections round', async () => {
    const perWorker = 150;
    const cluster = await startServer({
      env: { WORKERS: '2', HTTP_MAX_CONNECTIONS: String(perWorker), WS_MAX_CONNECTIONS: '100', HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) },
    });
    try {
      const deadline = Date.now() + 15_000;
      while (!cluster.output.join('').includes('cluster ready: 2 workers listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const attackers = 500;
      let peakPerWorker = 0;
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const text = await (await fetch(`${cluster.url}/metrics`)).text();
          for (const m of text.matchAll(/^aether_http_connections\{worker="\d+"\} (\d+)$/gm)) peakPerWorker = Math.max(peakPerWorker, Number(m[1]));
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      const a = await partialUpgrades(cluster.port, attackers).finally(() => {
        watching = false;
      });
      await watcher;
      const slowest = Math.round(Math.max(0, ...a.lifetimesMs));
      const health = await fetch(`${cluster.url}/healthz`);
      console.log(
        `[security] slowloris WORKERS=2: ${attackers} partial upgrades, cap ${perWorker} per worker: at most ${peakPerWorker} open on a worker, ${a.refused} refused, ${a.timedOut} answered 408, ` +
          `slowest close ${slowest} ms, ${a.stillOpen} still open; /healthz afterwards ${health.status}`,
      );
      expect(a.stillOpen).toBe(0);
      expect(slowest).toBeLessThan(CLOSE_BOUND_MS);
      expect(peakPerWorker).toBeGreaterThan(0);
      expect(peakPerWorker).toBeLessThanOrEqual(perWorker);
      expect(a.refused).toBeGreaterThan(0);
      expect(health.status).toBe(200);
    } finally {
      await cluster.close();
    }
  }, 40_000);
});
