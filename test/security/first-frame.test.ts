/**
 * Issue 14, finding 4: an anonymous socket's first frame was JSON.parsed whole before any size
 * limit (a 1 MiB nested-array frame cost ~220 ms of event loop). Now it is sized first and closed
 * with 1009 when over WS_PREAUTH_MAX_BYTES, without being decoded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { apiTokenHonest, openRaw, sleep } from './auth-attack.js';
import { held, startServer, underAttack, type ChildServer } from './harness.js';

/** 1 MiB of `[[[…]]]`: valid JSON whose parse is all nesting. */
const NESTED = '['.repeat(512 * 1024) + ']'.repeat(512 * 1024);

describe('first frame of an anonymous socket', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startServer({ env: { AUTH_ENABLED: 'true', SESSION_SECRET_KEY: SESSION_SECRET, API_TOKEN } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a 1 MiB nested-array first frame is closed with 1009 unparsed; /healthz stays fast', async () => {
    const codes: number[] = [];
    const report = await underAttack(
      'first frame 1 MiB nested',
      server,
      async () => {
        const until = performance.now() + 2500;
        await Promise.all(
          [0, 1].map(async () => {
            while (performance.now() < until) {
              const s = await openRaw(server.wsUrl);
              s.ws.send(NESTED);
              const { code } = await Promise.race([s.closed, sleep(2000).then(() => ({ code: -1 }))]);
              s.ws.terminate();
              codes.push(code);
              await sleep(100);
            }
          }),
        );
      },
      apiTokenHonest,
    );
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    expect(codes.length).toBeGreaterThanOrEqual(4);
    expect(codes.every((c) => c === 1009)).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
