/**
 * Paced sending for catch-up (a replay, the events buffered behind a snapshot): however long the
 * backlog, one connection's catch-up never holds the event loop for more than a chunk of frames,
 * and never fills its socket's send buffer past half of `WS_MAX_BUFFERED_BYTES`. When the buffer is
 * over that mark the catch-up waits for it to drain, so a client that reads at any steady pace
 * receives everything; one whose buffer makes no progress for `stallMs`, or whose stream buffers
 * more live events than `maxBuffered` meanwhile, is closed as a slow consumer (4009).
 */
import type { Connection, Stream } from './connection.js';

/** Frames sent between two yields to the event loop. */
const CHUNK = 32;
/** How often a wait for a draining buffer looks again at a buffer that moves slowly. */
const RECHECK_MS = 250;

export interface PacerOptions {
  /** Catch-up sends only while the socket holds at most this many unsent bytes. */
  readonly lowWaterBytes: number;
  /** A catch-up whose send buffer does not shrink for this long is closed (4009). */
  readonly stallMs: number;
  /** Events a syncing stream may buffer behind a catch-up before it is closed (4009). */
  readonly maxBuffered: number;
  /** Closes `conn` as a slow consumer with `reason`. */
  closeSlow(conn: Connection, reason: string): void;
}

/** One catch-up's pace: call `next()` before each frame. */
export interface Gate {
  /** Resolves true when the next frame may be sent, false when the connection closed (or was closed as too slow). */
  next(): Promise<boolean>;
}

export interface Pacer {
  gate(conn: Connection, stream: Stream): Gate;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createPacer(options: PacerOptions): Pacer {
  const { lowWaterBytes, stallMs, maxBuffered, closeSlow } = options;

  /** Waits until the socket holds at most `lowWaterBytes`; false when it closed or stalled. */
  async function drained(conn: Connection): Promise<boolean> {
    let last = conn.socket.bufferedAmount;
    let movedAt = Date.now();
    while (!conn.closed && conn.socket.bufferedAmount > lowWaterBytes) {
      const left = movedAt + stallMs - Date.now();
      if (left <= 0) {
        closeSlow(conn, 'slow consumer: catch-up stalled on a full send buffer; reconnect and resume');
        return false;
      }
      await conn.socket.whenDrained(lowWaterBytes, Math.min(left, RECHECK_MS));
      const now = conn.socket.bufferedAmount;
      if (now < last) movedAt = Date.now();
      last = now;
    }
    return !conn.closed;
  }

  return {
    gate(conn, stream) {
      let sent = 0;
      return {
        async next() {
          if (conn.closed) return false;
          sent += 1;
          if (sent % CHUNK === 0) {
            await nextTurn();
            if (conn.closed) return false;
          }
          if (stream.buffer.length > maxBuffered) {
            closeSlow(conn, 'slow consumer: live events piled up behind the catch-up; reconnect and resume');
            return false;
          }
          return conn.socket.bufferedAmount <= lowWaterBytes || drained(conn);
        },
      };
    },
  };
}
