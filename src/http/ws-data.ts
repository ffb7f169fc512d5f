/** Reading the frames `ws` hands over (a Buffer, a list of fragments or an ArrayBuffer). */
import type { RawData, WebSocket } from 'ws';

/**
 * Sets the longest frame `ws` accepts on this socket from now on: a longer one is refused from its
 * header (close 1009) before its payload is buffered. Used to hold a socket that is not yet open
 * to WS_PREAUTH_MAX_BYTES. Relies on the receiver's `_maxPayload` (ws 8); where that is absent
 * the edge's own size checks still apply, after `ws` has buffered the frame.
 */
export function limitFrames(ws: WebSocket, maxBytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } | null })._receiver;
  if (receiver !== undefined && receiver !== null && typeof receiver._maxPayload === 'number') receiver._maxPayload = maxBytes;
}

export function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
