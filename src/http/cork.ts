/**
 * Coalesces a turn's frames per socket into one write, without delaying a lone frame.
 *
 * While frames come one per socket per event-loop turn (a steady event rate), each goes straight
 * to the network: corking would only add a buffered write and hold every socket's frame until
 * the whole fan-out is done. When a turn sends a socket a second frame (a burst), that socket is
 * corked until the next turn (setImmediate), and the following turns cork every socket from its
 * first frame, until a turn passes with no socket getting two. A socket whose corked data passes
 * `flushBytes` is flushed at once, so corking never inflates `bufferedAmount` past what the
 * network really has not taken.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface Corker {
  /** Call before each send on `ws`. */
  before(ws: WebSocket): void;
}

export function createCorker(flushBytes = 64 * 1024): Corker {
  let corked: Socket[] = [];
  /** Sockets written uncorked in this turn. */
  const touched = new Set<Socket>();
  let scheduled = false;
  /** Some socket got two frames in this turn. */
  let repeated = false;
  /** The last turn was a burst: cork from the first frame. */
  let bursting = false;

  function endTurn(): void {
    const sockets = corked;
    corked = [];
    touched.clear();
    scheduled = false;
    bursting = repeated;
    repeated = false;
    for (const socket of sockets) if (socket.writableCorked > 0) socket.uncork();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(endTurn);
  }

  function cork(socket: Socket): void {
    socket.cork();
    corked.push(socket);
    schedule();
  }

  return {
    before(ws) {
      // `_socket` is ws's underlying net.Socket; ws exposes no public cork.
      const socket = (ws as unknown as { _socket?: Socket | null })._socket;
      if (socket === undefined || socket === null || socket.destroyed) return;
      if (socket.writableCorked > 0) {
        repeated = true;
        if (socket.writableLength >= flushBytes) {
          socket.uncork();
          socket.cork();
        }
        return;
      }
      if (bursting) return cork(socket);
      if (touched.has(socket)) {
        repeated = true;
        return cork(socket);
      }
      touched.add(socket);
      schedule();
    },
  };
}
