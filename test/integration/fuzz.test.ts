/**
 * Property-based fuzzing of /ws: thousands of random and malformed frames. The server never
 * crashes, answers every frame (an error, an acknowledgement, or a close), and other clients keep
 * receiving.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { connectClient, connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ WS_MAX_MESSAGE_BYTES: '4096', WS_MAX_PAYLOAD_BYTES: '65536' });
});
afterAll(() => srv.close());

const topic = fc.oneof(fc.constantFrom('notifications', 'jobs', 'inventory', 'all', 'jobs:7', 'jobs:', 'x:y', ''), fc.string({ maxLength: 40 }));
const message: fc.Arbitrary<string | Buffer> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 200 }), weight: 20 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 20 },
  {
    arbitrary: fc
      .record({ type: fc.constantFrom('subscribe', 'unsubscribe'), topics: fc.oneof(fc.array(topic, { maxLength: 6 }), fc.anything()) })
      .map((m) => JSON.stringify(m)),
    weight: 20,
  },
  {
    arbitrary: fc
      .record({
        type: fc.constant('resume'),
        positions: fc.oneof(fc.dictionary(topic, fc.record({ offset: fc.integer({ min: -5, max: 1e6 }), epoch: fc.string({ maxLength: 20 }) })), fc.anything()),
      })
      .map((m) => JSON.stringify(m)),
    weight: 20,
  },
  {
    arbitrary: fc.record({ type: fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)) }, { requiredKeys: [] }).map((m) => JSON.stringify(m)),
    weight: 20,
  },
  { arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), weight: 20 },
  { arbitrary: fc.integer({ min: 4097, max: 20_000 }).map((n) => JSON.stringify({ type: 'ping', pad: 'p'.repeat(n) })), weight: 20 },
  { arbitrary: fc.constant('h'.repeat(70_000)), weight: 1 },
);

function isEvent(m: Msg): boolean {
  return m.type === 'notification' || m.type === 'initial_state';
}

it('survives thousands of random frames, answering each, while other clients keep receiving', async () => {
  const observer = await connectReady(srv.wsUrl);
  let client: TestClient = (await connectReady(srv.wsUrl)).client;
  let frames = 0;
  let answered = 0;
  let closes = 0;
  await fc.assert(
    fc.asyncProperty(message, async (frame) => {
      if (client.ws.readyState !== client.ws.OPEN) {
        closes += 1;
        client = (await connectReady(srv.wsUrl)).client;
      }
      frames += 1;
      const before = client.received.length;
      client.sendRaw(frame);
      client.send({ type: 'ping' });
      const pong = await Promise.race([client.next((m) => m.type === 'pong', 5000).catch(() => undefined), client.closed.then(() => undefined)]);
      if (pong === undefined) {
        // The only acceptable reason for no pong is that the server closed the socket.
        expect(client.ws.readyState).not.toBe(client.ws.OPEN);
        return;
      }
      const replies = client.received.slice(before).filter((m) => !isEvent(m) && m !== pong);
      const isResume = typeof frame === 'string' && frame.includes('"resume"');
      if (!isResume) expect(replies.length, `no answer to ${String(frame).slice(0, 80)}`).toBeGreaterThanOrEqual(1);
      if (replies.length > 0) answered += 1;
      for (const r of replies) expect(['error', 'subscription', 'pong', 'resumed']).toContain(r.type);
    }),
    { numRuns: 3000, seed: Number(process.env.FUZZ_SEED ?? 20261126) },
  );
  expect(closes).toBeGreaterThan(0);
  expect((await api(srv.url, 'GET', '/healthz')).status).toBe(200);
  const created = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'after fuzz', message: 'still alive' });
  expect(await observer.client.next((m) => m.type === 'notification' && (m.data as { id: string }).id === created.body.id)).toBeTruthy();
  const fresh = await connectClient(srv.wsUrl);
  expect(await fresh.next((m) => m.type === 'connection')).toBeTruthy();
  console.log(`fuzz: ${frames} frames, ${answered} answered in-band, ${closes} closes`);
  await fresh.close();
  await observer.client.close();
  await client.close();
}, 120_000);
