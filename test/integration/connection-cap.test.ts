/**
 * The HTTP connection cap (src/http/connection-cap.ts) on a real server and real sockets: a
 * connection over the cap is destroyed at accept, and a closed connection gives its place back
 * (the count follows every close, however the socket ended), so the cap never fills with the dead.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { capHttpServer, type HttpConnections } from '../../src/http/connection-cap.js';

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens a TCP connection; resolves when it is connected, with whether the server later closed it. */
function open(port: number): Promise<{ socket: net.Socket; closedByServer: Promise<boolean> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const closedByServer = new Promise<boolean>((r) => socket.once('close', () => r(true)));
    socket.once('connect', () => resolve({ socket, closedByServer }));
    socket.once('error', reject);
  });
}

describe('HTTP connection cap', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('refuses connections over the cap, and takes new ones once closed ones gave their place back', async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    const counts: HttpConnections = capHttpServer(server, { maxConnections: 3, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;

    for (let round = 0; round < 3; round += 1) {
      const held = await Promise.all([open(port), open(port), open(port)]);
      await until(() => counts.open === 3, `round ${round}: 3 open`);
      const over = await open(port);
      expect(await over.closedByServer).toBe(true);
      expect(counts.refused).toBe(round + 1);
      // Ended by the client, destroyed by it, and ended half-way: each must give its place back.
      held[0]?.socket.end();
      held[1]?.socket.destroy();
      held[2]?.socket.resetAndDestroy();
      await until(() => counts.open === 0, `round ${round}: every place back`);
    }
  });

  it('refuses to start on a Node that does not count its connections, rather than refuse every one', () => {
    const bare = http.createServer();
    Reflect.deleteProperty(bare, '_connections');
    expect(() => capHttpServer(bare, { maxConnections: 3, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 })).toThrow(/_connections/);
  });
});
