/**
 * The `ws` package as the client library's WebSocket: a constructor taking only the URL, as the
 * library expects, with the credential in an `Authorization: Bearer` header (never in the URL)
 * and no Origin header (the API token is refused from browser origins). The last transport error
 * is reported, so "cannot connect" can say why (ECONNREFUSED, HTTP 429…).
 */
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../client/index.js';

export interface NodeSocketOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly handshakeTimeoutMs?: number;
  readonly onTransportError?: (error: Error) => void;
}

export function nodeWebSocket(options: NodeSocketOptions): WebSocketConstructor {
  const { headers, onTransportError } = options;
  const handshakeTimeout = options.handshakeTimeoutMs ?? 10_000;
  return class NodeSocket extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { ...headers }, handshakeTimeout });
      this.on('error', (error: Error) => onTransportError?.(error));
    }
  };
}
