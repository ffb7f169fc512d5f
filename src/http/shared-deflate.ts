/**
 * "Compress each broadcast once" on top of `ws`. `ws` compresses per socket: the same broadcast
 * frame sent to N sockets is deflated N times. With server_no_context_takeover every message is
 * compressed on its own, so identical frames compress to identical bytes for every socket with the
 * same window size: this module deflates a frame once, caches the result by frame text, and writes
 * the ready RSV1 frame on each socket.
 *
 * There is no public `ws` API for sending a pre-compressed message, so this uses `ws` internals
 * (`WebSocket.Sender.frame`, `websocket._sender.sendFrame`, `websocket._extensions`), checked on
 * every send: when any of them is missing or the sender is busy (its queue not empty), the frame
 * goes through `ws.send(frame, {compress: true})` as before. test/integration/batch-compression
 * guards the fast path against `ws` upgrades.
 */
import zlib from 'node:zlib';
import * as wsModule from 'ws';
import type { WebSocket } from 'ws';

interface SenderInternals {
  readonly _state: number;
  sendFrame(list: readonly (Buffer | string)[], cb?: (err?: Error | null) => void): void;
}
interface PerMessageDeflateInternals {
  readonly params: Readonly<Record<string, unknown>>;
}
interface WebSocketInternals {
  readonly _sender?: SenderInternals;
  readonly _extensions?: Readonly<Record<string, PerMessageDeflateInternals | undefined>>;
}
type FrameFn = (data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }) => (Buffer | string)[];

/** `Sender`'s idle state: nothing being deflated, nothing queued. */
const SENDER_IDLE = 0;
const TEXT_OPCODE = 1;
/** The empty stored block a sync flush ends with; RFC 7692 §7.2.1 drops it. */
const TRAILER_BYTES = 4;

export interface SharedDeflateOptions {
  /** Frames smaller than this (bytes) are sent uncompressed. */
  readonly thresholdBytes: number;
  /** Larger frames are left to `ws`'s asynchronous deflate (a synchronous deflate would block). */
  readonly maxSyncBytes?: number;
  readonly level?: number;
  readonly cacheEntries?: number;
  readonly cacheBytes?: number;
}

export interface SharedDeflate {
  /** Sends one text frame on an open socket, compressing it once for every socket that gets it. */
  send(ws: WebSocket, frame: string | Buffer): void;
  /** Frames deflated, sends served from the cache, sends left to `ws`. */
  readonly stats: { compressed: number; reused: number; fallback: number };
}

export function createSharedDeflate(options: SharedDeflateOptions): SharedDeflate {
  const maxSyncBytes = options.maxSyncBytes ?? 64 * 1024;
  const level = options.level ?? 6;
  const cacheEntries = options.cacheEntries ?? 256;
  const cacheBytes = options.cacheBytes ?? 16 * 1024 * 1024;
  const frameFn = (wsModule as unknown as { Sender?: { frame?: FrameFn } }).Sender?.frame;
  const caches = new Map<number, Map<string | Buffer, Buffer>>();
  let cachedBytes = 0;
  const stats = { compressed: 0, reused: 0, fallback: 0 };

  function compressed(frame: string | Buffer, windowBits: number): Buffer {
    let cache = caches.get(windowBits);
    if (cache === undefined) caches.set(windowBits, (cache = new Map<string | Buffer, Buffer>()));
    const hit = cache.get(frame);
    if (hit !== undefined) {
      stats.reused += 1;
      return hit;
    }
    const out = zlib.deflateRawSync(typeof frame === 'string' ? Buffer.from(frame) : frame, { level, windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const payload = out.subarray(0, out.length - TRAILER_BYTES);
    stats.compressed += 1;
    cache.set(frame, payload);
    cachedBytes += payload.length + frame.length;
    while (cache.size > cacheEntries || cachedBytes > cacheBytes) {
      const oldest = cache.keys().next();
      if (oldest.done === true) break;
      cachedBytes -= (cache.get(oldest.value)?.length ?? 0) + oldest.value.length;
      cache.delete(oldest.value);
    }
    return payload;
  }

  return {
    stats,
    send(ws, frame) {
      const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
      const internals = ws as unknown as WebSocketInternals;
      const deflate = internals._extensions?.['permessage-deflate'];
      if (bytes < options.thresholdBytes || deflate === undefined) return void ws.send(frame, { compress: false, binary: false });
      const sender = internals._sender;
      const windowBits = deflate.params.server_max_window_bits ?? zlib.constants.Z_DEFAULT_WINDOWBITS;
      if (
        frameFn === undefined ||
        sender === undefined ||
        typeof sender.sendFrame !== 'function' ||
        sender._state !== SENDER_IDLE ||
        deflate.params.server_no_context_takeover !== true ||
        typeof windowBits !== 'number' ||
        bytes > maxSyncBytes
      ) {
        stats.fallback += 1;
        return void ws.send(frame, { compress: true, binary: false });
      }
      sender.sendFrame(frameFn(compressed(frame, windowBits), { fin: true, rsv1: true, opcode: TEXT_OPCODE, mask: false, readOnly: true }));
    },
  };
}
