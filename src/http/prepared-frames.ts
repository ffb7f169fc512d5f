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

/** `Sender`'s idle state: nothing being deflated, nothing queued. */
const SENDER_IDLE = 0;
/** FIN and the text opcode. */
const FIN_TEXT = 0x81;

/** The whole unmasked text frame for `payload` (RFC 6455 §5.2). */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = FIN_TEXT;
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerBytes);
  return frame;
}

export interface PreparedFrames {
  /** Writes `payload` as one text frame on `ws`'s socket; false when the caller must use `ws.send`. */
  write(ws: WebSocket, payload: Buffer): boolean;
}

export function createPreparedFrames(): PreparedFrames {
  const frames = new WeakMap<Buffer, Buffer>();
  // A fan-out sends one payload to many sockets in a row: remember the last one without a lookup.
  let lastPayload: Buffer | undefined;
  let lastFrame: Buffer | undefined;

  function frameOf(payload: Buffer): Buffer {
    if (payload === lastPayload && lastFrame !== undefined) return lastFrame;
    let frame = frames.get(payload);
    if (frame === undefined) frames.set(payload, (frame = textFrame(payload)));
    lastPayload = payload;
    lastFrame = frame;
    return frame;
  }

  return {
    write(ws, payload) {
      const internals = ws as unknown as WebSocketInternals;
      const socket = internals._socket;
      if (internals._sender?._state !== SENDER_IDLE || socket === undefined || socket === null || socket.destroyed) return false;
      socket.write(frameOf(payload));
      return true;
    },
  };
}
