/** Small helpers for client tests: scaled timers, a status recorder, waiting for a condition. */
import WebSocket from 'ws';
import { createWsClient } from '../../src/client/index.js';
import type { ConnectionStatus, StatusData, Timers, WsClient, WsClientOptions } from '../../src/client/index.js';

/** Real timers running `scale` times the requested delay, so 30 s of backoff takes 300 ms at 0.01. */
export function scaledTimers(scale: number): Timers {
  return {
    setTimeout: (fn, ms) => setTimeout(fn, ms * scale),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

export interface Recorded {
  readonly client: WsClient;
  readonly statuses: Array<{ status: ConnectionStatus; data: StatusData }>;
  /** Resolves when the client reports `status` (counting from the `nth` occurrence, 1-based). */
  waitFor(status: ConnectionStatus, nth?: number, timeoutMs?: number): Promise<StatusData>;
}

export async function until(check: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Creates a Node client (with the `ws` package, scaled timers, no jitter) that records statuses. */
export function recordedClient(options: WsClientOptions & { scale?: number }): Recorded {
  const statuses: Recorded['statuses'] = [];
  const client = createWsClient({
    WebSocket,
    timers: scaledTimers(options.scale ?? 0.01),
    random: () => 0,
    browserEvents: false,
    ...options,
    autoConnect: false,
  });
  client.onConnectionStatus((status, data) => statuses.push({ status, data }));
  if (options.autoConnect !== false) client.connect();
  return {
    client,
    statuses,
    async waitFor(status, nth = 1, timeoutMs = 3000) {
      const found = (): StatusData | undefined => statuses.filter((s) => s.status === status)[nth - 1]?.data;
      await until(() => found() !== undefined, timeoutMs, `status ${status} #${nth}`);
      return found() as StatusData;
    },
  };
}
