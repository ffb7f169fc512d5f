/** The /ws socket class (src/http/ws-socket.ts): events straight to the session, the heartbeat's list. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { SessionList, SessionWebSocket, type SocketEvents } from '../../src/http/ws-socket.js';

interface Item {
  slot: number;
  name: string;
}

describe('SessionList', () => {
  it('visits every session once while sessions leave during the visit', () => {
    const list = new SessionList<Item>();
    const items = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ slot: -1, name }));
    for (const i of items) list.add(i);
    const seen: string[] = [];
    list.forEachBackwards((s) => {
      seen.push(s.name);
      if (s.name === 'd' || s.name === 'b') list.remove(s); // the heartbeat terminating a socket
    });
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(list.size).toBe(3);
    const left: string[] = [];
    list.forEachBackwards((s) => left.push(s.name));
    expect(left.sort()).toEqual(['a', 'c', 'e']);
    list.remove(items[1] as Item); // twice: no effect
    expect(list.size).toBe(3);
    list.remove(items[4] as Item); // e, moved twice by the swaps: its slot followed it
    const last: string[] = [];
    list.forEachBackwards((s) => last.push(s.name));
    expect(last.sort()).toEqual(['a', 'c']);
  });
});

describe('SessionWebSocket', () => {
  function bound(): { ws: SessionWebSocket<Item>; calls: string[] } {
    const ws = new SessionWebSocket<Item>(null as unknown as string, undefined, { autoPong: true } as never);
    const calls: string[] = [];
    const events: SocketEvents<Item> = {
      message: (s, data, isBinary) => calls.push(`${s.name} message ${String(data)} ${isBinary}`),
      pong: (s) => calls.push(`${s.name} pong`),
      error: (s, err) => calls.push(`${s.name} error ${err.message}`),
      close: (s, code) => calls.push(`${s.name} close ${code}`),
    };
    ws.bind({ slot: -1, name: 's' }, events);
    return { ws, calls };
  }

  it('hands events to the session without listeners, and listeners still run', () => {
    const { ws, calls } = bound();
    ws.emit('message', Buffer.from('hi'), false);
    ws.emit('pong', Buffer.alloc(0));
    // An 'error' with no listener is handled, not thrown.
    expect(() => ws.emit('error', new Error('boom'))).not.toThrow();
    const heard: number[] = [];
    ws.once('close', (code: number) => heard.push(code));
    ws.emit('close', 1000, Buffer.alloc(0));
    ws.emit('message', Buffer.from('late'), false); // after close: the session is gone
    expect(calls).toEqual(['s message hi false', 's pong', 's error boom', 's close 1000']);
    expect(heard).toEqual([1000]);
    expect(ws.listenerCount('close')).toBe(0);
  });
});

describe('SessionWebSocket on a server without autoPong', () => {
  it("answers a client's ping with a pong carrying its data", async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false, WebSocket: SessionWebSocket as typeof WebSocket });
    await once(wss, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    try {
      await once(client, 'open');
      client.ping(Buffer.from('are you there'));
      const [data] = (await Promise.race([once(client, 'pong'), new Promise((_, reject) => setTimeout(() => reject(new Error('no pong')), 3000))])) as [Buffer];
      expect(data.toString()).toBe('are you there');
    } finally {
      client.terminate();
      wss.close();
    }
  });
});
