/**
 * One `text/event-stream` response on /sse: the hub's HubSocket for it. Each frame the hub sends
 * becomes one SSE event, `data: <the frame's JSON>` (one line: the JSON has no raw newline),
 * preceded by `id: <positions>` when the frame moved the stream's positions (sse-cursor.ts). A
 * close becomes a last `{"type":"close","code","reason"}` event and a `retry:` hint before the
 * response ends; a slow consumer's response is destroyed instead, since nothing more reaches it.
 * Its slots (per IP, per user) are given back once, when the response closes.
 */
import type { ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal.js';
import type { AttachedConnection, HubSocket } from '../core/index.js';
import { CloseCode } from '../protocol/index.js';
import type { StreamCursor } from './sse-cursor.js';
import { armExpiry, expiryClose, type Expiring } from './ws-credential.js';

/** How long an ended response may take to flush its close event before it is destroyed. */
const DROP_AFTER_CLOSE_MS = 2000;
const RECHECK_MS = 10;

/**
 * The `retry:` hint sent with a close (the browser's EventSource waits this long before it
 * reconnects on its own). Codes after which reconnecting cannot help (1008, 4001, 4003) get a long
 * one: the client library stops on them, a bare EventSource at least does not hammer.
 */
export function retryAfterClose(code: number): number {
  switch (code) {
    case CloseCode.GOING_AWAY:
      return 1000 + Math.floor(Math.random() * 4000); // spread a whole instance's reconnects
    case CloseCode.TRY_AGAIN_LATER:
    case CloseCode.BUDGET_EXCEEDED:
      return 15_000;
    case CloseCode.RATE_LIMITED:
      return 5000;
    case CloseCode.POLICY_VIOLATION:
    case CloseCode.TOKEN_EXPIRED:
    case CloseCode.SESSION_REVOKED:
    case CloseCode.ADMIN_DISCONNECT:
    case CloseCode.ACCESS_REVOKED:
      return 60_000;
    default:
      return 2000;
  }
}

/** What the endpoint does when a stream's response is gone (slots back, out of the registry). */
export interface StreamHost {
  gone(stream: SseStream): void;
  readonly log: { info(fields: object, message: string): void };
}

export class SseStream implements HubSocket, Expiring {
  attached: AttachedConnection | undefined = undefined;
  principal: Principal | undefined = undefined;
  expiresAt: number | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  /** The code the server closed with; undefined while open or when the client went away. */
  closeCode: number | undefined = undefined;
  /** Client requests (POST …/subscriptions) are handed to the hub one after another. */
  chain: Promise<void> = Promise.resolve();
  limited = false;
  private corked = false;
  private finished = false;

  constructor(
    readonly res: ServerResponse,
    readonly ip: string,
    readonly cursor: StreamCursor,
    private readonly host: StreamHost,
  ) {
    res.once('close', () => this.gone());
  }

  get ended(): boolean {
    return this.closeCode !== undefined || this.finished;
  }

  // HubSocket

  send(frame: string | Buffer): void {
    if (this.ended) return;
    const idLine = this.cursor.observe(frame) ? `id: ${this.cursor.id}\n` : '';
    this.cork();
    this.res.write(`${idLine}data: `);
    // JSON.stringify never writes a raw line break; a broadcast's message is JSON too, but be sure.
    this.res.write(typeof frame === 'string' && /[\r\n]/.test(frame) ? frame.replace(/\r\n|\r|\n/g, '\ndata: ') : frame);
    this.res.write('\n\n');
  }

  sendEach(frames: readonly Buffer[]): void {
    for (const frame of frames) this.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.closeCode = code;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (code === CloseCode.SLOW_CONSUMER) {
      // Its buffer is full, so the close event would never arrive; a reset (not a FIN behind the
      // unread bytes) frees the kernel's copy too, and the client sees the stream end at once.
      const socket = this.res.socket;
      if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
      else this.res.destroy();
      return;
    }
    this.res.end(`retry: ${retryAfterClose(code)}\ndata: ${JSON.stringify({ type: 'close', code, reason })}\n\n`);
    setTimeout(SseStream.drop, DROP_AFTER_CLOSE_MS, this.res).unref();
  }

  get bufferedAmount(): number {
    return this.res.writableLength;
  }

  whenDrained(belowBytes: number, timeoutMs: number): Promise<void> {
    const res = this.res;
    if (this.ended || res.writableLength <= belowBytes) return Promise.resolve();
    return new Promise((resolve) => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        res.off('drain', check);
        res.off('close', done);
        resolve();
      };
      const check = (): void => {
        clearTimeout(timer);
        if (this.ended || res.writableLength <= belowBytes || Date.now() - started >= timeoutMs) done();
        else timer = setTimeout(check, Math.min(RECHECK_MS, timeoutMs));
      };
      res.on('drain', check);
      res.once('close', done);
      timer = setTimeout(check, Math.min(RECHECK_MS, timeoutMs));
    });
  }

  // The stream's life

  /** Attached to the hub: the credential's expiry is watched from now on. */
  opened(principal: Principal, attached: AttachedConnection): void {
    this.principal = principal;
    this.attached = attached;
    this.expiresAt = principal.expiresAt;
    armExpiry(this);
  }

  /** The credential expired (ws-credential.ts): 4001, or 4003 for a session's end. */
  expired(): void {
    const [code, reason] = expiryClose(this.principal as Principal);
    this.close(code, reason);
  }

  /** A comment line: proxies see traffic, the client's EventSource ignores it. */
  beat(): void {
    if (!this.ended) this.res.write(':\n\n');
  }

  private gone(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const code = this.closeCode ?? CloseCode.GOING_AWAY;
    this.attached?.closed(code, 'stream ended');
    if (this.attached !== undefined && this.principal !== undefined) {
      this.host.log.info(
        { clientId: this.attached.id, user: this.principal.name, code },
        `SSE client ${this.attached.id} (${this.principal.name}) disconnected`,
      );
    }
    this.host.gone(this);
  }

  /** Writes of one tick go to the network together. */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.res.cork();
    process.nextTick(SseStream.uncork, this);
  }

  private static uncork(stream: SseStream): void {
    stream.corked = false;
    stream.res.uncork();
  }

  private static drop(res: ServerResponse): void {
    if (!res.destroyed) res.destroy();
  }
}
