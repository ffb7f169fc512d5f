/**
 * Coalesces frames per socket into one write, without delaying a lone frame.
 *
 * While frames come one per socket per event-loop turn (a steady event rate), each goes straight
 * to the network: corking would only add a buffered write and hold every socket's frame until
 * the whole fan-out is done. When a turn sends a socket a second frame, or several at once (a
 * group commit's events: fanout-queue.ts), it is a burst: that socket is corked, and the following turns cork every socket from its first frame, until a turn passes
 * with no socket getting two. A socket whose corked data passes `flushBytes` is flushed at once,
 * so corking never inflates `bufferedAmount` past what the network really has not taken.
 *
 * In a burst the corked sockets are held for up to `holdTurns` turns (WS_BURST_HOLD_TURNS) while
 * each turn brings them more frames, so that one write carries several turns' worth: on loopback
 * a write of one small frame costs the server about 7 µs of CPU and one of sixteen about 11 (the
 * kernel delivers it to the reader within the call; bench/write-cost.mjs), and at a thousand
 * subscribers a turn's fan-out is mostly those writes. The hold ends at the first turn that brings
 * no frame to a corked socket (the burst is over: flush now), and before a frame would have waited more than `holdMs`
 * (WS_BURST_HOLD_MS), counting the next turn as long as the average one so far. Turns are short
 * when the server has little to do, so the hold adds little there; they are long when it is
 * saturated, which is when fewer writes buy the most.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';

export interface Corker {
  /** Call before each send on `ws`; `several`: the send is several frames at once (a burst by itself). */
  before(ws: WebSocket, several?: boolean): void;
}

export interface CorkOptions {
  /** A corked socket is flushed once this many bytes wait in it. Default 64 KiB. */
  readonly flushBytes?: number;
  /** In a burst, corked frames wait for at most this many turns (1: flushed at the end of their own turn). Default 8. */
  readonly holdTurns?: number;
  /** ...and, counting the turn to come, for at most this many milliseconds. Default 100. */
  readonly holdMs?: number;
}

/** The defaults; the server's come from config (WS_BURST_HOLD_TURNS, WS_BURST_HOLD_MS), the same values. */
const CORK_DEFAULTS = { flushBytes: 64 * 1024, holdTurns: 8, holdMs: 100 } as const;

export function createCorker(options: CorkOptions = {}): Corker {
  const { flushBytes, holdTurns, holdMs } = { ...CORK_DEFAULTS, ...options };
  let corked: Socket[] = [];
  /** Sockets written uncorked in this turn. */
  const touched = new Set<Socket>();
  let scheduled = false;
  /** Some socket got two frames in this turn, or a corked socket got one. */
  let repeated = false;
  /** The last turn was a burst: cork from the first frame. */
  let bursting = false;
  /** Turns the corked sockets have been held so far, and since when (performance.now()). */
  let held = 0;
  let heldSince = 0;

  /** Whether the corked sockets may wait one more turn. */
  function hold(): boolean {
    if (!repeated || corked.length === 0 || held + 1 >= holdTurns) return false;
    const elapsed = performance.now() - heldSince;
    return elapsed + elapsed / (held + 1) <= holdMs;
  }

  function endTurn(): void {
    touched.clear();
    scheduled = false;
    bursting = repeated;
    if (hold()) {
      held += 1;
      repeated = false;
      schedule();
      return;
    }
    repeated = false;
    held = 0;
    const sockets = corked;
    corked = [];
    for (const socket of sockets) if (socket.writableCorked > 0) socket.uncork();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(endTurn);
  }

  function cork(socket: Socket): void {
    if (corked.length === 0) heldSince = performance.now();
    socket.cork();
    corked.push(socket);
    schedule();
  }

  return {
    before(ws, several = false) {
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
      if (several || touched.has(socket)) {
        repeated = true;
        return cork(socket);
      }
      touched.add(socket);
      schedule();
    },
  };
}
