/**
 * The smallest socket the hub needs. Adapters (src/http/ws.ts) map a real WebSocket onto it; the
 * hub never imports a WebSocket library.
 */
export interface HubSocket {
  /**
   * Queues a text frame (a Buffer holds UTF-8 text and may be shared by many sockets). MUST NOT
   * throw; a failed send is reported by the adapter closing the socket.
   */
  send(frame: string | Buffer): void;
  /**
   * Queues several text frames, in order, as `send` would one by one; an adapter may write them
   * at once. The array and its Buffers may be shared by many sockets and never change. MUST NOT throw.
   */
  sendEach(frames: readonly Buffer[]): void;
  /** Closes with a code and a reason (≤ 123 bytes). Idempotent. */
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
  /**
   * Resolves once at most `belowBytes` are queued, the socket is closed, or `timeoutMs` passed
   * (whichever is first; callers look at `bufferedAmount` again). MUST NOT reject.
   */
  whenDrained(belowBytes: number, timeoutMs: number): Promise<void>;
}
