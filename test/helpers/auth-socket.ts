/** A test WebSocket client that queues every message, so a test awaits "the next one" without races. */
import WebSocket from 'ws';

export interface TestSocket {
  readonly ws: WebSocket;
  readonly protocol: string;
  /** The next message (parsed JSON), waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Waits for a message of this type, dropping others. */
  nextOfType(type: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(message: unknown): void;
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export interface ConnectOptions {
  readonly protocols?: string[];
  readonly headers?: Record<string, string>;
}

/** Opens a socket; resolves when open (or when closed before opening, which `closed` reports). */
export async function connect(url: string, options: ConnectOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('error', () => undefined);
  const status = await new Promise<'open' | 'failed'>((resolve) => {
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => {
      resolve('failed');
      res.resume();
    });
    ws.once('close', () => resolve('failed'));
    ws.once('error', () => resolve('failed'));
  });
  void status;
  async function next(timeoutMs = 3000): Promise<Record<string, unknown>> {
    const queued = queue.shift();
    if (queued !== undefined) return queued;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (m: Record<string, unknown>): void => {
        clearTimeout(timer);
        resolve(m);
      };
      waiters.push(waiter);
    });
  }
  return {
    ws,
    get protocol() {
      return ws.protocol;
    },
    next,
    async nextOfType(type, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = await next(Math.max(1, deadline - Date.now()));
        if (m.type === type) return m;
      }
    },
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed,
    close: () => ws.close(),
  };
}

/** Resolves with the HTTP status when the server refuses the upgrade itself (no handshake). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}
