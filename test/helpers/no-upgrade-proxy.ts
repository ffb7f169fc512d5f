/**
 * A small HTTP proxy that passes requests (streamed both ways) to a backend and answers every
 * WebSocket upgrade with 403, as a corporate proxy that strips WebSocket does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NoUpgradeProxy {
  readonly url: string;
  readonly wsUrl: string;
  /** Upgrades refused so far. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startNoUpgradeProxy(backendUrl: string, port = 0): Promise<NoUpgradeProxy> {
  const backend = new URL(backendUrl);
  let refused = 0;
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, host: backend.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (_req, socket) => {
    refused += 1;
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    wsUrl: `ws://127.0.0.1:${bound}/ws`,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
