/**
 * Waiting for a socket's send buffer to drain (the hub paces catch-up with it, core/pacer.ts).
 * `ws` has no public drain event, so this listens for the underlying net.Socket's `drain` (the
 * same `_socket` internal cork.ts uses) and looks again every few milliseconds as well, since
 * bytes `ws` holds itself (a busy deflate) drain without that event.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

const RECHECK_MS = 10;

/** Resolves once `ws` holds at most `belowBytes` unsent, closes, or `timeoutMs` passed. Never rejects. */
export function whenDrained(ws: WebSocket, belowBytes: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = (ws as unknown as { _socket?: Socket | null })._socket ?? undefined;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket?.off('drain', check);
      ws.off('close', done);
      resolve();
    };
    function check(): void {
      clearTimeout(timer);
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= belowBytes || Date.now() - started >= timeoutMs) done();
      else timer = setTimeout(check, Math.min(RECHECK_MS, timeoutMs));
    }
    socket?.on('drain', check);
    ws.once('close', done);
    timer = setTimeout(check, Math.min(RECHECK_MS, timeoutMs));
  });
}
