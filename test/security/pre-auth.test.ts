/**
 * Issue 14, finding 2: while the identity provider hangs, an anonymous socket may hold at most
 * WS_PREAUTH_MAX_BYTES and must be decided within WS_AUTH_CHECK_TIMEOUT_MS. On the old code three
 * sockets sending `auth` then 1 MiB frames grew RSS by more than a GiB, and sockets waited ~10 s
 * for the discovery fetch to fail before a 1008.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authEnv } from '../helpers/auth-world.js';
import { apiTokenHonest, oidcShapedToken, openRaw, sleep, startSilentIssuer } from './auth-attack.js';
import { held, startServer, underAttack, type ChildServer } from './harness.js';

const CHECK_TIMEOUT_MS = 1000;
const MIB = Buffer.alloc(1024 * 1024, 0x61); // 1 MiB of "a": never parsed, only sized

describe('pre-auth bounds with a silent identity provider', () => {
  let issuer: Awaited<ReturnType<typeof startSilentIssuer>>;
  let server: ChildServer;
  let token: string;
  beforeAll(async () => {
    issuer = await startSilentIssuer();
    token = oidcShapedToken(issuer.url);
    server = await startServer({ env: { AUTH_ENABLED: 'true', ...authEnv(issuer.url), WS_AUTH_CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS) } });
  });
  afterAll(async () => {
    await server?.close();
    await issuer?.close();
  });

  it('three anonymous sockets sending auth then 1 MiB frames are refused from the frame header with 1009; RSS stays flat', async () => {
    const codes: number[] = [];
    const report = await underAttack(
      'pre-auth 1 MiB frames',
      server,
      async () => {
        const until = performance.now() + 3000;
        await Promise.all(
          [0, 1, 2].map(async () => {
            while (performance.now() < until) {
              const s = await openRaw(server.wsUrl);
              s.ws.send(JSON.stringify({ type: 'auth', token }));
              let open = true;
              void s.closed.then(() => (open = false));
              do {
                s.ws.send(MIB);
                await sleep(50);
              } while (open && performance.now() < until);
              const { code } = await Promise.race([s.closed, sleep(3000).then(() => ({ code: -1 }))]);
              s.ws.terminate();
              codes.push(code);
              await sleep(100);
            }
          }),
        );
      },
      apiTokenHonest,
    );
    console.log(`[security] pre-auth 1 MiB frames: close codes ${JSON.stringify(codes)}`);
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    expect(codes.length).toBeGreaterThanOrEqual(3);
    expect(codes.every((c) => c === 1009)).toBe(true);
  });

  it('sockets whose check hangs close with 4002 within the deadline, in-band and at the upgrade', async () => {
    const results: { code: number; afterMs: number }[] = [];
    const report = await underAttack(
      'pre-auth deadline',
      server,
      async () => {
        const inBand = [0, 1, 2].map(async () => {
          const s = await openRaw(server.wsUrl);
          s.ws.send(JSON.stringify({ type: 'auth', token }));
          s.ws.send(JSON.stringify({ type: 'subscribe', topics: ['jobs'] })); // small: queued within the budget
          results.push(await s.closed);
        });
        const atUpgrade = (async () => {
          const started = performance.now();
          const s = await openRaw(`${server.wsUrl}?token=${encodeURIComponent(token)}`);
          const closed = await s.closed;
          results.push({ code: closed.code, afterMs: Math.round(performance.now() - started) });
        })();
        await Promise.race([Promise.all([...inBand, atUpgrade]), sleep(CHECK_TIMEOUT_MS + 3000)]);
      },
      apiTokenHonest,
    );
    console.log(`[security] pre-auth deadline: closes ${JSON.stringify(results)}`);
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    expect(results).toHaveLength(4);
    for (const r of results) {
      expect(r.code).toBe(4002);
      expect(r.afterMs).toBeLessThan(CHECK_TIMEOUT_MS + 1000);
    }
  });
});
