/**
 * Which transport the next connect uses. `websocket` and `sse` are fixed; `auto` starts on
 * WebSocket and moves to Server-Sent Events for good when a WebSocket closes before the server
 * said anything (the upgrade was refused or stripped on the way). The page falls back to REST
 * polling only when the client gives up (`failed`), that is when both have failed.
 */
import { SseSocket, type SseSocketOptions } from './sse-socket.js';
import type { WebSocketConstructor, WebSocketLike } from './types.js';

const ABNORMAL = 1006;

export type TransportChoice = 'auto' | 'websocket' | 'sse';
export type TransportName = 'websocket' | 'sse';

export interface Transports {
  /** The socket of one connect, on the current transport. */
  open(url: string): WebSocketLike;
  /** A connection ended; `heard` says whether the server sent anything on it, `code` how it closed. */
  dropped(heard: boolean, code: number | undefined): void;
  current(): TransportName;
}

export function createTransports(choice: TransportChoice, WebSocket: WebSocketConstructor | undefined, sse: SseSocketOptions): Transports {
  let current: TransportName = choice === 'sse' || WebSocket === undefined ? 'sse' : 'websocket';
  return {
    open(url) {
      return current === 'websocket' && WebSocket !== undefined ? new WebSocket(url) : new SseSocket(url, sse);
    },
    dropped(heard, code) {
      // 1006 (or no socket at all): no close frame, so no WebSocket got through. A 1008 did, and SSE would fare no better.
      if (choice === 'auto' && current === 'websocket' && !heard && (code === undefined || code === ABNORMAL)) current = 'sse';
    },
    current: () => current,
  };
}
