/**
 * A fake /ws server for client tests: a real `ws` WebSocketServer on a free port whose every
 * connection and received message is queued, so a test awaits "the next one" without races.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Queue<T> {
  push(item: T): void;
  next(timeoutMs?: number): Promise<T>;
  readonly items: readonly T[];
}

function createQueue<T>(what: string): Queue<T> {
  const items: T[] = [];
  let read = 0;
  const waiters: Array<(item: T) => void> = [];
  return {
    items,
    push(item) {
      items.push(item);
      const waiter = waiters.shift();
      if (waiter !== undefined) {
        read += 1;
        waiter(item);
      }
    },
    next(timeoutMs = 5000) {
      if (read < items.length) return Promise.resolve(items[read++] as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          reject(new Error(`no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (item: T): void => {
          clearTimeout(timer);
          resolve(item);
        };
        waiters.push(done);
      });
    },
  };
}

export type Frame = Record<string, unknown>;

export interface FakeConnection {
  /** The request URL, with the query the client sent. */
  readonly url: URL;
  send(message: unknown): void;
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection without a close frame. */
  terminate(): void;
  nextMessage(timeoutMs?: number): Promise<Frame>;
  readonly received: readonly Frame[];
  /** Sends `connection` (and `initial_state` when positions are given), as the real server does. */
  greet(clientId: string, positions?: Record<string, { offset: number; epoch: string }>): void;
}

export interface FakeServer {
  /** ws://127.0.0.1:PORT/ws */
  readonly url: string;
  nextConnection(timeoutMs?: number): Promise<FakeConnection>;
  readonly connections: readonly FakeConnection[];
  /** Closes the listener and terminates every socket: the port refuses connections. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

function wrap(socket: WebSocket, url: URL): FakeConnection {
  const messages = createQueue<Frame>('client message');
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Frame));
  return {
    url,
    send: (message) => socket.send(JSON.stringify(message)),
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
    nextMessage: (timeoutMs) => messages.next(timeoutMs),
    get received() {
      return messages.items;
    },
    greet(clientId, positions) {
      socket.send(JSON.stringify({ type: 'connection', status: 'connected', client_id: clientId, timestamp: new Date().toISOString(), user: 'dev' }));
      if (positions !== undefined) {
        socket.send(JSON.stringify({ type: 'initial_state', data: { notifications: [], unread_count: 0 }, positions }));
      }
    },
  };
}

export async function startFakeServer(): Promise<FakeServer> {
  const connections = createQueue<FakeConnection>('connection');
  let port = 0;
  let wss: WebSocketServer | null = null;

  async function listen(): Promise<void> {
    const server = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    port = (server.address() as AddressInfo).port;
    server.on('connection', (socket, request) => connections.push(wrap(socket, new URL(request.url ?? '/', `http://127.0.0.1:${port}`))));
    wss = server;
  }

  await listen();
  return {
    get url() {
      return `ws://127.0.0.1:${port}/ws`;
    },
    nextConnection: (timeoutMs) => connections.next(timeoutMs),
    get connections() {
      return connections.items;
    },
    async stop() {
      const server = wss;
      wss = null;
      if (server === null) return;
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    start: listen,
  };
}
