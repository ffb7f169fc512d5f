/**
 * "Frame a broadcast once" on top of `ws`. A server frame is never masked, so the same text frame
 * is the same bytes on every socket: this module builds the complete frame (header and payload)
 * once per payload Buffer and writes it straight to each socket, where `ws.send` would build a
 * header per socket and hand the socket two chunks per message.
 *
 * It writes on `ws`'s socket only while `ws`'s sender is idle (nothing being compressed or
 * queued), which keeps frames in order; otherwise, or when an internal is missing, it returns
 * false and the caller sends through `ws`. The payloads handed in are shared by the hub and never
 * change, so a frame built for one stays valid while the payload lives (a WeakMap entry).
 * test/integration/send-path guards the fast path against `ws` upgrades.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

interface WebSocketInternals {
  readonly _sender?: { readonly _state?: number } | null;
  readonly _socket?: Socket | null;
}

/** The most payload bytes joined into one write; larger groups go frame by frame (each frame still shared). */
const MAX_JOINED_BYTES = 64 * 1024;
/** `Sender`'s idle state: nothing being deflated, nothing queued. */
const SENDER_IDLE = 0;
/** FIN and the text opcode. */
const FIN_TEXT = 0x81;

const headerBytesOf = (length: number): number => (length < 126 ? 2 : length < 65_536 ? 4 : 10);

/** Writes `payload`'s unmasked text frame (RFC 6455 §5.2) into `out` at `at`; returns where it ends. */
function writeFrame(out: Buffer, at: number, payload: Buffer): number {
  const length = payload.length;
  out[at] = FIN_TEXT;
  if (length < 126) out[at + 1] = length;
  else if (length < 65_536) {
    out[at + 1] = 126;
    out.writeUInt16BE(length, at + 2);
  } else {
    out[at + 1] = 127;
    out.writeBigUInt64BE(BigInt(length), at + 2);
  }
  const start = at + headerBytesOf(length);
  payload.copy(out, start);
  return start + length;
}

/** The whole unmasked text frame for `payload` (RFC 6455 §5.2). */
export function textFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(headerBytesOf(payload.length) + payload.length);
  writeFrame(frame, 0, payload);
  return frame;
}

export interface PreparedFrames {
  /** Writes `payload` as one text frame on `ws`'s socket; false when the caller must use `ws.send`. */
  write(ws: WebSocket, payload: Buffer): boolean;
  /**
   * Writes each of `payloads` as a text frame, all in one write of their frames back to back (made
   * once per array, which many sockets share). False when the caller must send them one by one:
   * `ws`'s sender is busy, one of them is not below `belowBytes` (the compression threshold; the
   * same for every call), or together they pass 64 KiB (a copy that size is the most it makes).
   */
  writeEach(ws: WebSocket, payloads: readonly Buffer[], belowBytes: number): boolean;
}

/** The text frames of `payloads`, back to back in one Buffer. */
export function textFrames(payloads: readonly Buffer[]): Buffer {
  let total = 0;
  for (const payload of payloads) total += headerBytesOf(payload.length) + payload.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const payload of payloads) at = writeFrame(out, at, payload);
  return out;
}

/**
 * `make(key, arg)` kept while `key` lives (a WeakMap entry; `arg` must be the same for a key), the
 * last key remembered without a lookup: a fan-out hands one payload, or one list of payloads, to
 * many sockets in a row.
 */
function lastAndWeak<K extends object, V extends object | null, A = undefined>(make: (key: K, arg: A) => V): (key: K, arg: A) => V {
  const made = new WeakMap<K, V>();
  let lastKey: K | undefined;
  let lastValue: V | undefined;
  return (key, arg) => {
    if (key === lastKey) return lastValue as V;
    let value = made.get(key);
    if (value === undefined) made.set(key, (value = make(key, arg)));
    lastKey = key;
    lastValue = value;
    return value;
  };
}

export function createPreparedFrames(): PreparedFrames {
  const frameOf = lastAndWeak((payload: Buffer) => textFrame(payload));
  // Per array of payloads: their frames joined, or null when they go one by one (see writeEach).
  const framesOf = lastAndWeak((payloads: readonly Buffer[], belowBytes: number): Buffer | null => {
    let total = 0;
    for (const payload of payloads) {
      if (payload.length >= belowBytes) return null;
      total += payload.length;
    }
    return total <= MAX_JOINED_BYTES ? textFrames(payloads) : null;
  });

  /** `ws`'s socket when its sender is idle (frames written now stay in order), else undefined. */
  function idleSocket(ws: WebSocket): Socket | undefined {
    const internals = ws as unknown as WebSocketInternals;
    const socket = internals._socket;
    if (internals._sender?._state !== SENDER_IDLE || socket === undefined || socket === null || socket.destroyed) return undefined;
    return socket;
  }

  return {
    write(ws, payload) {
      const socket = idleSocket(ws);
      if (socket === undefined) return false;
      socket.write(frameOf(payload, undefined));
      return true;
    },
    writeEach(ws, payloads, belowBytes) {
      const socket = idleSocket(ws);
      if (socket === undefined) return false;
      const frames = framesOf(payloads, belowBytes);
      if (frames === null) return false;
      socket.write(frames);
      return true;
    },
  };
}
