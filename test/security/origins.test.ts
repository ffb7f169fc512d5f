/**
 * Origins in every mode. Development auth: a page on another origin cannot make changes (CSRF),
 * and a DNS-rebinding page (Host and Origin both the attacker's name) can use neither REST nor /ws,
 * while scripts without an Origin and the page on the server's own origin are served. Auth on: the
 * own origin is PUBLIC_URL's (or the bound address's) scheme, host and port, never the request's Host.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { connectClient } from '../helpers/ws-client.js';
import { held, startServer, underAttack, type ChildServer, type Honest } from './harness.js';

const REBIND = 'rebind.evil.example';
const NOTE = JSON.stringify({ title: 'evil', message: 'forged by another origin', level: 'error', category: 'system' });

/** One HTTP request with exactly these headers (Host included, which fetch would not let us forge). */
function request(server: ChildServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

type SocketOutcome = { readonly admitted: true } | { readonly admitted: false; readonly code: number; readonly reason: string };

/**
 * Opens /ws with these headers and reports whether the server admitted it (sent a message) or
 * closed it first. A socket left waiting for in-band auth counts as admitted past the origin check
 * after `waitMs`.
 */
function probeSocket(server: ChildServer, headers: Record<string, string>, waitMs = 1500): Promise<SocketOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(server.wsUrl, { headers });
    const done = (outcome: SocketOutcome): void => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ admitted: true }), waitMs);
    ws.on('message', () => done({ admitted: true }));
    ws.on('close', (code, reason) => done({ admitted: false, code, reason: reason.toString() }));
    ws.on('unexpected-response', (_req, res) => done({ admitted: false, code: res.statusCode ?? 0, reason: 'http' }));
    ws.on('error', () => done({ admitted: false, code: 0, reason: 'error' }));
  });
}

/**
 * Starts a round every `everyMs` (or when the last one ends, if later) until `durationMs` has
 * passed; each round returns what got through. Paced, so the figures measure the refusals rather
 * than a flood (the flood is the rate limits' business).
 */
async function loop(durationMs: number, everyMs: number, round: () => Promise<string[]>): Promise<{ rounds: number; leaks: string[] }> {
  const leaks: string[] = [];
  let rounds = 0;
  for (const end = Date.now() + durationMs; Date.now() < end; rounds += 1) {
    const next = Date.now() + everyMs;
    leaks.push(...(await round()));
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  return { rounds, leaks };
}

/** Runs every attack once, one after another; returns the names of those that got through. */
async function round(attacks: Record<string, () => Promise<boolean>>): Promise<string[]> {
  const through: string[] = [];
  for (const [name, attack] of Object.entries(attacks)) if (!(await attack())) through.push(name);
  return through;
}

const refused = (outcome: SocketOutcome, word: string): boolean =>
  !outcome.admitted && outcome.code === 1008 && outcome.reason.startsWith('forbidden:') && outcome.reason.includes(word);

describe('origins in development mode', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses cross-origin changes and DNS-rebinding pages on REST and /ws, while the honest client is served', async () => {
    const rebound = { host: `${REBIND}:${server.port}`, origin: `http://${REBIND}:${server.port}` };
    const attacks: Record<string, () => Promise<boolean>> = {
      'CSRF POST from https://evil.example': async () =>
        (await request(server, 'POST', '/api/v1/notifications', { origin: 'https://evil.example' }, NOTE)).status === 403,
      'CSRF POST from http://127.0.0.1 on another port': async () =>
        (await request(server, 'POST', '/api/v1/notifications', { origin: `http://127.0.0.1:${server.port + 1}` }, NOTE)).status === 403,
      'rebound POST': async () => (await request(server, 'POST', '/api/v1/notifications', rebound, NOTE)).status === 403,
      'rebound GET of the inbox': async () => (await request(server, 'GET', '/api/v1/notifications', rebound)).status === 403,
      'rebound GET of the page': async () => (await request(server, 'GET', '/', rebound)).status === 403,
      'rebound /ws': async () => refused(await probeSocket(server, rebound), 'host'),
      'cross-origin /ws': async () => refused(await probeSocket(server, { origin: 'https://evil.example' }), 'origin'),
    };
    let result = { rounds: 0, leaks: [] as string[] };
    const report = await underAttack('dev mode: CSRF and DNS rebinding', server, async () => {
      result = await loop(2500, 100, () => round(attacks));
    });
    console.log(`[security] dev mode: ${result.rounds} rounds of ${Object.keys(attacks).length} attacks, ${result.leaks.length} got through`);
    expect(result.leaks).toEqual([]);
    expect(result.rounds).toBeGreaterThan(0);
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    const inbox = JSON.parse((await request(server, 'GET', '/api/v1/notifications?limit=100', {})).text) as { notifications?: { title: string }[] };
    expect(inbox.notifications?.some((n) => n.title === 'evil')).toBe(false);
  });

  it('serves scripts without an Origin and the page on its own origin (127.0.0.1, localhost)', async () => {
    expect((await request(server, 'POST', '/api/v1/notifications', {}, NOTE.replace('evil', 'from a script'))).status).toBe(201);
    for (const origin of [server.url, `http://localhost:${server.port}`]) {
      expect((await request(server, 'POST', '/api/v1/notifications', { origin }, NOTE.replace('evil', 'from the page'))).status).toBe(201);
      expect(await probeSocket(server, { origin })).toEqual({ admitted: true });
    }
    expect((await request(server, 'GET', '/api/v1/notifications', { host: `localhost:${server.port}` })).status).toBe(200);
    // The scheme counts: an https page is not this plain-HTTP server's origin.
    expect((await request(server, 'POST', '/api/v1/notifications', { origin: `https://127.0.0.1:${server.port}` }, NOTE)).status).toBe(403);
  });
});

describe('origins with authentication on', () => {
  const bearer = { authorization: `Bearer ${API_TOKEN}` };
  const honest: Honest = {
    connect: (s) => connectClient(`${s.wsUrl}?topics=notifications`, { headers: bearer }),
    publish: async (s, title) => {
      const res = await request(
        s,
        'POST',
        '/api/v1/notifications',
        bearer,
        JSON.stringify({ title, message: `${title}: details`, level: 'info', category: 'system' }),
      );
      if (res.status !== 201) throw new Error(`publish ${title}: ${res.status} ${res.text}`);
    },
  };
  const authEnv = { AUTH_ENABLED: 'true', ALLOW_DEV_AUTH: 'false', SESSION_SECRET_KEY: SESSION_SECRET, API_TOKEN };

  it('without PUBLIC_URL the own origin is the bound address: a forged Host equal to the Origin is refused', async () => {
    const server = await startServer({ env: authEnv });
    try {
      const attacks: Record<string, () => Promise<boolean>> = {
        'forged Host = Origin': async () =>
          refused(await probeSocket(server, { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}` }), 'origin'),
        'own host, https scheme': async () => refused(await probeSocket(server, { origin: `https://127.0.0.1:${server.port}` }), 'origin'),
      };
      let leaks: string[] = [];
      const report = await underAttack(
        'auth on: forged Host equal to Origin',
        server,
        async () => {
          ({ leaks } = await loop(1500, 100, () => round(attacks)));
        },
        honest,
      );
      expect(leaks).toEqual([]);
      expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
      // The page on the bound address passes the origin check (then waits for its credential).
      expect(await probeSocket(server, { origin: server.url }, 500)).toEqual({ admitted: true });
    } finally {
      await server.close();
    }
  });

  it('with PUBLIC_URL the own origin is its scheme, host and port, whatever the Host says', async () => {
    const server = await startServer({ env: { ...authEnv, PUBLIC_URL: 'https://console.example.com' } });
    try {
      for (const origin of ['http://console.example.com', 'https://console.example.com:8443', server.url]) {
        const host = new URL(origin).host;
        expect(refused(await probeSocket(server, { host, origin }), 'origin'), origin).toBe(true);
      }
      expect(await probeSocket(server, { host: 'console.example.com', origin: 'https://console.example.com' }, 500)).toEqual({ admitted: true });
    } finally {
      await server.close();
    }
  });
});
