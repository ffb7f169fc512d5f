/**
 * Corks each socket on its first send of an event-loop turn and uncorks them all on the next
 * turn (setImmediate), so a burst of frames to one socket leaves in one write instead of one
 * system call per frame. A socket whose corked data passes `flushBytes` is flushed at once, so
 * corking never inflates `bufferedAmount` past what the network really has not taken.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface Corker {
  /** Call before each send on `ws`. */
  before(ws: WebSocket): void;
}

export function createCorker(flushBytes = 64 * 1024): Corker {
  let corked: Socket[] = [];
  let scheduled = false;

  function uncorkAll(): void {
    const sockets = corked;
    corked = [];
    scheduled = false;
    for (const socket of sockets) if (socket.writableCorked > 0) socket.uncork();
  }

  return {
    before(ws) {
      // `_socket` is ws's underlying net.Socket; ws exposes no public cork.
      const socket = (ws as unknown as { _socket?: Socket | null })._socket;
      if (socket === undefined || socket === null || socket.destroyed) return;
      if (socket.writableCorked === 0) {
        socket.cork();
        corked.push(socket);
        if (!scheduled) {
          scheduled = true;
          setImmediate(uncorkAll);
        }
      } else if (socket.writableLength >= flushBytes) {
        socket.uncork();
        socket.cork();
      }
    },
  };
}
