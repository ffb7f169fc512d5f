/** The yardstick itself: with no attack, the honest client gets everything and the bounds hold. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { held, startServer, underAttack, type ChildServer } from './harness.js';

describe('security baseline', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('an idle server serves the honest client within the bounds', async () => {
    const report = await underAttack('no attack', server, () => new Promise((r) => setTimeout(r, 1500)));
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
  });
});
