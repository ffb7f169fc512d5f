/**
 * A test WebSocket client that queues every message it receives, so a test can wait for "the next
 * message" (or the next one matching a predicate) without races.
 */
import WebSocket from 'ws';

export type Msg = Record<string, unknown> & { type: string };

export interface TestClient {
  readonly ws: WebSocket;
  /** Resolves with the next queued message matching `match` (default: any), removing it from the queue. */
  next(match?: (m: Msg) => boolean, timeoutMs?: number): Promise<Msg>;
  /** Fails if a message matching `match` arrives within `ms`. */
  expectNone(match: (m: Msg) => boolean, ms: number): Promise<void>;
  /** Every message received so far (including consumed ones). */
  readonly received: readonly Msg[];
  send(message: unknown): void;
  sendRaw(data: string | Buffer): void;
  close(): Promise<{ code: number; reason: string }>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

export async function connectClient(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<TestClient> {
  const ws = new WebSocket(url, options.protocols, options);
  const queue: Msg[] = [];
  const received: Msg[] = [];
  const waiters: { match: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as Msg;
    received.push(msg);
    const i = waiters.findIndex((w) => w.match(msg));
    if (i >= 0) {
      const [w] = waiters.splice(i, 1);
      w?.resolve(msg);
    } else queue.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    received,
    closed,
    next(match = () => true, timeoutMs = 5000) {
      const i = queue.findIndex(match);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0] as Msg);
      return new Promise<Msg>((resolve, reject) => {
        const waiter = {
          match,
          resolve: (m: Msg) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching message within ${timeoutMs} ms; queue: ${JSON.stringify(queue).slice(0, 500)}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async expectNone(match, ms) {
      await new Promise((r) => setTimeout(r, ms));
      const hit = queue.find(match);
      if (hit !== undefined) throw new Error(`unexpected message: ${JSON.stringify(hit).slice(0, 300)}`);
    },
    send: (message) => ws.send(JSON.stringify(message)),
    sendRaw: (data) => ws.send(data),
    async close() {
      if (ws.readyState === ws.OPEN) ws.close(1000, 'test done');
      return closed;
    },
  };
}

/** Connects and consumes `connection` and `initial_state`. */
export async function connectReady(url: string, options?: WebSocket.ClientOptions): Promise<{ client: TestClient; connection: Msg; initial: Msg }> {
  const client = await connectClient(url, options);
  const connection = await client.next((m) => m.type === 'connection');
  const initial = await client.next((m) => m.type === 'initial_state');
  return { client, connection, initial };
}
