/**
 * Issue 14, item 1: resume amplification. A plain signed-in user (an OIDC user with the user role)
 * asks for the notifications log from an old offset about 13 times a second, under the message
 * rate, with 4,000 events in the log. Every resume used to read and send the whole log in one go;
 * now each is charged to the connection's and the user's cost budget before it runs (beyond them:
 * `budget_exceeded` with `retry_after_ms`), and the replays that run are streamed in chunks that
 * yield to the event loop, so /healthz and the honest client are served throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, authEnv, CLIENT_ID, CLIENT_SECRET, USERS } from '../helpers/auth-world.js';
import { aliceOidcToken } from './auth-attack.js';
import { createTestKey, startProvider, type TestKey, type TestProvider } from '../helpers/oidc-provider.js';
import WebSocket from 'ws';
import { connectClient } from '../helpers/ws-client.js';
import { devPublish, held, startServer, underAttack, type ChildServer, type Honest } from './harness.js';

const LOG_EVENTS = 4000;
const RESUMES_PER_SECOND = 13;
const ATTACK_MS = 6000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The honest side: the API token (another principal than the attacker). */
const honest: Honest = {
  connect: (s) => connectClient(`${s.wsUrl}?topics=notifications`, { headers: { authorization: `Bearer ${API_TOKEN}` } }),
  publish: (s, title) => devPublish(s, title, { authorization: `Bearer ${API_TOKEN}` }),
};

/** Creates `count` notifications, 16 requests in flight. */
async function fillLog(server: ChildServer, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        await devPublish(server, `backlog ${i}`, { authorization: `Bearer ${API_TOKEN}` });
      }
    }),
  );
}

/** An attacking socket, light on the test's side (no parsing of replayed events), so /healthz measures the server. */
interface Attacker {
  readonly ws: WebSocket;
  readonly epoch: string;
  readonly counts: { frames: number; resumed: number; refused: number };
}

function openAttacker(url: string, token: string): Promise<Attacker> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const counts = { frames: 0, resumed: 0, refused: 0 };
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      counts.frames += 1;
      if (data.length > 2000 && counts.frames > 2) return;
      const text = data.toString();
      if (text.includes('"type":"initial_state"')) {
        const positions = (JSON.parse(text) as { positions: Record<string, { epoch: string }> }).positions;
        resolve({ ws, epoch: positions.notifications?.epoch as string, counts });
      } else if (text.startsWith('{"type":"resumed"')) counts.resumed += 1;
      else if (text.includes('"budget_exceeded"')) counts.refused += 1;
    });
  });
}

describe('resume amplification (issue 14, item 1)', () => {
  let provider: TestProvider;
  let key: TestKey;
  let server: ChildServer;

  const aliceToken = (): Promise<string> => aliceOidcToken(provider.issuer, key);

  async function attacker(): Promise<Attacker> {
    return openAttacker(`${server.wsUrl}?topics=notifications`, await aliceToken());
  }

  /** Each socket sends ~13 resumes a second from offset 0 for ATTACK_MS. */
  async function resumeFlood(sockets: readonly Attacker[]): Promise<void> {
    const until = Date.now() + ATTACK_MS;
    while (Date.now() < until) {
      for (const { ws, epoch } of sockets) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'resume', positions: { notifications: { offset: 0, epoch } } }));
      }
      await sleep(1000 / RESUMES_PER_SECOND);
    }
  }

  function tally(sockets: readonly Attacker[]): string {
    const sum = (k: keyof Attacker['counts']): number => sockets.reduce((n, s) => n + s.counts[k], 0);
    return `${sum('resumed')} resumes answered, ${sum('refused')} refused (budget_exceeded), ${sum('frames')} frames received`;
  }

  function closeAll(sockets: readonly Attacker[]): void {
    for (const { ws } of sockets) ws.close();
  }

  beforeAll(async () => {
    key = await createTestKey('key-1');
    provider = await startProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: ['http://127.0.0.1/cb'], keys: [key], users: USERS });
    server = await startServer({ env: { AUTH_ENABLED: 'true', ALLOW_DEV_AUTH: 'false', ...authEnv(provider.issuer), NOTIFICATION_RETENTION_COUNT: '100000' } });
    await fillLog(server, LOG_EVENTS);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await provider?.close();
  });

  it('one socket resuming 13 times a second from an old offset: /healthz, memory and the honest client hold', async () => {
    const sockets = [await attacker()];
    const report = await underAttack('resume flood, 1 socket, 4000 events', server, () => resumeFlood(sockets), honest);
    console.log(`[security] resume flood, 1 socket: ${tally(sockets)}`);
    closeAll(sockets);
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
  }, 40_000);

  it('three sockets of one user doing the same: the user budget holds them together', async () => {
    const sockets = [await attacker(), await attacker(), await attacker()];
    const report = await underAttack('resume flood, 3 sockets, 4000 events', server, () => resumeFlood(sockets), honest);
    console.log(`[security] resume flood, 3 sockets: ${tally(sockets)}`);
    closeAll(sockets);
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
  }, 40_000);
});
