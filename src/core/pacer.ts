/**
 * Paced sending for catch-up (a replay, the events buffered behind a snapshot): however long the
 * backlog, one connection's catch-up never holds the event loop for more than a chunk of frames,
 * and never fills its socket's send buffer past half of `WS_MAX_BUFFERED_BYTES`. When the buffer is
 * over that mark the catch-up waits for it to drain, so a client that reads at any steady pace
 * receives everything; one whose buffer makes no progress for `stallMs`, or whose stream buffers
 * more live events than `maxBuffered` meanwhile, is closed as a slow consumer (4009).
 *
 * A small catch-up (at most SMALL frames, e.g. a client away a few seconds) is sent at once without
 * yielding: waiting for the next window would cost it far more than the fraction of a millisecond
 * it takes. Its time still counts toward the window, so the long catch-ups give way to it.
 */
import { CloseCode } from '../protocol/index.js';
import type { Connection } from './connection.js';
import type { HubObserver } from './observer.js';
import type { Stream } from './streams.js';

/** Frames sent between two yields to the event loop, at most. */
const CHUNK = 32;
/** A catch-up of at most this many frames is sent at once, without yielding (a fraction of a millisecond). */
const SMALL = 128;
/** Time one catch-up works before it yields, at most (one frame may overrun it). */
const SLICE_MS = 1;
/**
 * All catch-ups of the process together work at most SHARE_MS of every WINDOW_MS; past that they
 * wait for the next window, so HTTP requests and live fan-out always get the rest of the loop.
 */
const WINDOW_MS = 50;
const SHARE_MS = 20;
/** How often a wait for a draining buffer looks again at a buffer that moves slowly. */
const RECHECK_MS = 250;

export interface PacerOptions {
  /** Catch-up sends only while the socket holds at most this many unsent bytes. */
  readonly lowWaterBytes: number;
  /** A catch-up whose send buffer does not shrink for this long is closed (4009). */
  readonly stallMs: number;
  /** Events a syncing stream may buffer behind a catch-up before it is closed (4009). */
  readonly maxBuffered: number;
  readonly observer: HubObserver | undefined;
}

/** One catch-up's pace: call `next()` before each frame. */
export interface Gate {
  /**
   * True when the next frame may be sent, false when the connection closed (or was closed as too
   * slow); a promise of that when the catch-up must first yield or wait for the socket to drain.
   */
  next(): boolean | Promise<boolean>;
}

export interface Pacer {
  /** `expected`: frames the catch-up will send, when known; at most SMALL are sent without yielding. */
  gate(conn: Connection, stream: Stream, expected?: number): Gate;
  /** Accounts `sinceMs` (a `performance.now()`) of catch-up work and yields: the next turn, or the next window when this one is spent. */
  turn(sinceMs: number): Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createPacer(options: PacerOptions): Pacer {
  const { lowWaterBytes, stallMs, maxBuffered, observer } = options;

  function closeSlow(conn: Connection, reason: string): void {
    observer?.slowConsumer();
    conn.close(CloseCode.SLOW_CONSUMER, reason);
  }

  /** Waits until the socket holds at most `lowWaterBytes`; false when it closed or stalled. */
  async function drained(conn: Connection): Promise<boolean> {
    let last = conn.socket.bufferedAmount;
    let movedAt = Date.now();
    while (!conn.isClosed && conn.socket.bufferedAmount > lowWaterBytes) {
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
    return !conn.isClosed;
  }

  let windowStart = 0;
  let usedMs = 0;
  /** The end of the time already counted: concurrent catch-ups' slices overlap, and count once. */
  let countedUntil = 0;

  function account(sinceMs: number, now: number): void {
    if (now - windowStart >= WINDOW_MS) {
      windowStart = now;
      usedMs = 0;
    }
    usedMs += Math.max(0, now - Math.max(sinceMs, countedUntil));
    countedUntil = now;
  }

  async function turn(sinceMs: number): Promise<void> {
    let now = performance.now();
    account(sinceMs, now);
    await nextTurn();
    for (now = performance.now(); now - windowStart < WINDOW_MS && usedMs >= SHARE_MS; now = performance.now()) {
      await sleep(windowStart + WINDOW_MS - now);
    }
  }

  return {
    turn,
    gate(conn, stream, expected = Infinity) {
      let sent = 0;
      let sliceStart = performance.now();
      const small = expected <= SMALL;
      /** After any yield: the backlog and the socket's buffer, then the next frame may go. */
      function room(): boolean | Promise<boolean> {
        if (stream.buffer.length > maxBuffered) {
          closeSlow(conn, 'slow consumer: live events piled up behind the catch-up; reconnect and resume');
          return false;
        }
        if (conn.socket.bufferedAmount <= lowWaterBytes) return true;
        return drained(conn).then((ok) => {
          sliceStart = performance.now();
          return ok;
        });
      }
      // Synchronous unless it yields or waits: a small catch-up allocates no promise per frame.
      return {
        next() {
          if (conn.isClosed) return false;
          sent += 1;
          if (small && sent <= SMALL) {
            // Counted, never waited for (see the header).
            if (sent === expected) account(sliceStart, performance.now());
          } else if (sent % CHUNK === 0 || performance.now() - sliceStart >= SLICE_MS) {
            return turn(sliceStart).then(() => {
              sliceStart = performance.now();
              return conn.isClosed ? false : room();
            });
          }
          return room();
        },
      };
    },
  };
}
