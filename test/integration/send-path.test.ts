/**
 * The send path under the hub, against a real `ws` server and client.
 *
 * Pre-framed sends (src/http/prepared-frames.ts) must take the fast path on an idle socket (so a
 * `ws` upgrade that renames its internals fails here instead of silently falling back), produce
 * frames `ws` decodes at every length class, and keep order with frames sent through `ws` itself,
 * including while `ws` is compressing. Several frames at once (a group's share) go in one write.
 *
 * The corker (src/http/cork.ts) must let a lone frame go at once, cork a socket that gets a second
 * frame in the same turn, cork from the first frame in the turns after a burst, hold a burst's
 * frames for more turns while they keep coming (within WS_BURST_HOLD_TURNS and WS_BURST_HOLD_MS)
 * and flush at the first turn without one, and deliver everything in order.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createCorker } from '../../src/http/cork.js';
import { createPreparedFrames, textFrame, textFrames } from '../../src/http/prepared-frames.js';

interface Pair {
  server: WebSocket;
  client: WebSocket;
  received: string[];
  close(): Promise<void>;
}

async function pair(perMessageDeflate: boolean): Promise<Pair> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: perMessageDeflate ? { threshold: 0 } : false });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, { perMessageDeflate });
  const received: string[] = [];
  client.on('message', (data) => received.push(data.toString()));
  await once(client, 'open');
  const [server] = await accepted;
  return {
    server,
    client,
    received,
    async close() {
      client.terminate();
      wss.close();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: import('node:net').Socket })._socket;

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for frames');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('pre-framed sends', () => {
  let current: Pair | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it('builds headers for the three length classes', () => {
    expect([...textFrame(Buffer.from('hi')).subarray(0, 2)]).toEqual([0x81, 2]);
    const medium = textFrame(Buffer.alloc(300, 'a'));
    expect([medium[0], medium[1], medium.readUInt16BE(2), medium.length]).toEqual([0x81, 126, 300, 304]);
    const large = textFrame(Buffer.alloc(70_000, 'b'));
    expect([large[0], large[1], Number(large.readBigUInt64BE(2)), large.length]).toEqual([0x81, 127, 70_000, 70_010]);
  });

  it('takes the fast path on an idle socket and ws decodes every length class', async () => {
    current = await pair(false);
    const prepared = createPreparedFrames();
    const payloads = ['{"a":1}', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(65_535), 'w'.repeat(65_536), 'é'.repeat(40_000)];
    for (const text of payloads) expect(prepared.write(current.server, Buffer.from(text))).toBe(true);
    await until(() => current?.received.length === payloads.length);
    expect(current.received).toEqual(payloads);
  });

  it('shares one frame among sockets and keeps order with ws.send', async () => {
    current = await pair(false);
    const prepared = createPreparedFrames();
    const shared = Buffer.from('{"shared":true}');
    prepared.write(current.server, shared);
    current.server.send('{"personal":1}');
    prepared.write(current.server, shared);
    await until(() => current?.received.length === 3);
    expect(current.received).toEqual(['{"shared":true}', '{"personal":1}', '{"shared":true}']);
  });

  it('writes several frames in one write, shared by sockets, and ws decodes each in order', async () => {
    current = await pair(false);
    const other = await pair(false);
    try {
      const prepared = createPreparedFrames();
      const texts = ['{"n":1}', 'y'.repeat(126), '{"n":3}', 'w'.repeat(60_000), 'é'.repeat(100)];
      const payloads = texts.map((t) => Buffer.from(t));
      const writes: number[] = [];
      const socket = socketOf(current.server);
      const write = socket.write.bind(socket);
      socket.write = ((chunk: Buffer) => (writes.push(chunk.length), write(chunk))) as typeof socket.write;
      expect(prepared.writeEach(current.server, payloads, Infinity)).toBe(true);
      expect(prepared.writeEach(other.server, payloads, Infinity)).toBe(true);
      current.server.send('{"after":true}');
      // One write of the five frames back to back, then ws's own two (header and payload).
      expect(writes[0]).toBe(payloads.reduce((sum, p) => sum + p.length, 0) + 2 + 4 + 2 + 4 + 4);
      expect(writes).toHaveLength(3);
      await until(() => current?.received.length === texts.length + 1 && other.received.length === texts.length);
      expect(current.received).toEqual([...texts, '{"after":true}']);
      expect(other.received).toEqual(texts);
    } finally {
      await other.close();
    }
  });

  it('joins frames of every length class back to back', () => {
    const payloads = [Buffer.from('hi'), Buffer.alloc(300, 'a'), Buffer.alloc(70_000, 'b')];
    expect(textFrames(payloads).equals(Buffer.concat(payloads.map((p) => textFrame(p))))).toBe(true);
  });

  it('leaves several frames to be sent one by one when one reaches the compression threshold or all pass 64 KiB', async () => {
    current = await pair(false);
    const prepared = createPreparedFrames();
    expect(prepared.writeEach(current.server, [Buffer.from('small'), Buffer.alloc(2000, 'x')], 1024)).toBe(false);
    expect(prepared.writeEach(current.server, [Buffer.from('small'), Buffer.alloc(1000, 'x')], 1024)).toBe(true);
    const big = [Buffer.alloc(40_000, 'x'), Buffer.alloc(30_000, 'y')];
    expect(prepared.writeEach(current.server, big, Infinity)).toBe(false);
    expect(prepared.writeEach(current.server, big.slice(0, 1), Infinity)).toBe(true);
  });

  it('steps aside while ws is compressing, so frames never overtake', async () => {
    current = await pair(true);
    const prepared = createPreparedFrames();
    const big = 'c'.repeat(200_000);
    current.server.send(big, { compress: true }); // asynchronous deflate: the sender is busy
    const took = prepared.write(current.server, Buffer.from('{"after":true}'));
    expect(took).toBe(false);
    expect(prepared.writeEach(current.server, [Buffer.from('{"after":true}'), Buffer.from('{}')], Infinity)).toBe(false);
    current.server.send('{"after":true}', { compress: false });
    await until(() => current?.received.length === 2);
    expect(current.received[0]).toHaveLength(200_000);
    expect(current.received[1]).toBe('{"after":true}');
  });

  describe('corking', () => {
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    it('sends a lone frame at once, corks a burst, and delivers all in order', async () => {
      current = await pair(false);
      const { server } = current;
      const corker = createCorker({ holdTurns: 1 });
      const send = (text: string) => {
        corker.before(server);
        server.send(text);
      };
      send('one');
      expect(socketOf(server).writableCorked).toBe(0);
      send('two');
      expect(socketOf(server).writableCorked).toBe(1);
      for (let i = 0; i < 20; i++) send(`burst ${i}`);
      expect(socketOf(server).writableLength).toBeGreaterThan(0);
      await nextTurn();
      expect(socketOf(server).writableCorked).toBe(0);
      // The turn after a burst corks from the first frame.
      send('after burst');
      expect(socketOf(server).writableCorked).toBe(1);
      await nextTurn();
      // A turn with one frame per socket ends the burst mode.
      send('steady');
      expect(socketOf(server).writableCorked).toBe(0);
      const expected = ['one', 'two', ...Array.from({ length: 20 }, (_, i) => `burst ${i}`), 'after burst', 'steady'];
      await until(() => current?.received.length === expected.length);
      expect(current.received).toEqual(expected);
    });

    it('corks a socket from a send of several frames at once, as a burst', async () => {
      current = await pair(false);
      const { server } = current;
      const corker = createCorker({ holdTurns: 1 });
      corker.before(server, true);
      expect(socketOf(server).writableCorked).toBe(1);
      server.send('group');
      await nextTurn();
      expect(socketOf(server).writableCorked).toBe(0);
      // The turn after it corks from the first frame, as after any burst.
      corker.before(server);
      expect(socketOf(server).writableCorked).toBe(1);
      server.send('next');
      await until(() => current?.received.length === 2);
      expect(current.received).toEqual(['group', 'next']);
    });

    it('flushes a corked socket once its data passes the flush size', async () => {
      current = await pair(false);
      const { server } = current;
      const corker = createCorker({ flushBytes: 1024 });
      for (let i = 0; i < 10; i++) {
        corker.before(server);
        server.send('x'.repeat(400));
      }
      // Corked data never piles past the flush size plus one frame.
      expect(socketOf(server).writableLength).toBeLessThan(1024 + 410);
      await until(() => current?.received.length === 10);
    });

    it('holds a burst for more turns while frames keep coming, and flushes at the first turn without', async () => {
      current = await pair(false);
      const { server } = current;
      const corker = createCorker({ holdTurns: 4, holdMs: 10_000 });
      const sent: string[] = [];
      const send = (text: string) => {
        corker.before(server);
        server.send(text);
        sent.push(text);
      };
      send('a1');
      send('a2');
      await nextTurn();
      // The burst goes on: the frames wait for the next turn's.
      expect(socketOf(server).writableCorked).toBe(1);
      send('b1');
      await nextTurn();
      expect(socketOf(server).writableCorked).toBe(1);
      // A turn that brings nothing ends the hold.
      await nextTurn();
      expect(socketOf(server).writableCorked).toBe(0);
      expect(socketOf(server).writableLength).toBe(0);
      // A burst that never stops is flushed after holdTurns turns.
      for (let turn = 1; turn <= 4; turn++) {
        send(`c${turn}`);
        send(`c${turn}'`);
        await nextTurn();
        expect(socketOf(server).writableCorked, `after turn ${turn}`).toBe(turn < 4 ? 1 : 0);
      }
      await until(() => current?.received.length === sent.length);
      expect(current.received).toEqual(sent);
    });

    it('holds no longer than WS_BURST_HOLD_MS', async () => {
      current = await pair(false);
      const { server } = current;
      const corker = createCorker({ holdTurns: 64, holdMs: 60 });
      let turns = 0;
      let longestTurn = 0;
      const started = performance.now();
      corker.before(server);
      server.send('first');
      do {
        const turnStart = performance.now();
        corker.before(server);
        server.send(`turn ${turns}`);
        // Turns of about 3 ms, each bringing a frame: only the time limit can end the hold.
        while (performance.now() < turnStart + 3);
        await nextTurn();
        longestTurn = Math.max(longestTurn, performance.now() - turnStart);
        turns += 1;
      } while (socketOf(server).writableCorked > 0 && turns < 64);
      const heldMs = performance.now() - started;
      expect(turns).toBeLessThan(64);
      expect(turns).toBeGreaterThanOrEqual(2);
      // It ends before the turn that would pass 60 ms (predicted from the average turn), so by 60 ms
      // plus at most the longest turn.
      expect(heldMs).toBeLessThanOrEqual(60 + longestTurn);
    });
  });
});
