/**
 * One open socket on /ws: the HubSocket the hub writes to, the heartbeat, the credential's expiry
 * and the message rate. Getting in (the credential check, admission, the pre-auth bounds) is its
 * base class's (ws-admission.ts). Its behaviour lives on the prototype and the endpoint's listeners
 * are shared by every socket (src/http/ws.ts, called from the socket's emit: ws-socket.ts), so an
 * idle connection costs the edge this one object, no closures and no listeners. The upgrade request is not kept: only the client's address and the `Origin`
 * header outlive it. Once open, each frame is sized, then parsed once, and handed to the hub typed.
 */
import type { RawData } from 'ws';
import type { Principal } from '../auth/principal.js';
import type { AttachedConnection, ConnectionMeta, HubSocket } from '../core/index.js';
import { BINARY_FRAME, CloseCode, ErrorCode, oversizedFrame, parseClientMessage } from '../protocol/index.js';
import { AdmissionSocket } from './ws-admission.js';
import { armExpiry, expiryClose, refreshCredential, type Expiring } from './ws-credential.js';
import { byteLength, limitFrames, textOf } from './ws-data.js';
import { whenDrained } from './ws-drain.js';
import type { Slotted } from './ws-socket.js';

export type { Edge, UpgradeAttach } from './ws-admission.js';

/**
 * The last socket's `meta` for the hub, shared by the next socket from the same address (behind a
 * proxy, every socket): one object less per idle connection (40 bytes).
 */
let lastMeta: ConnectionMeta | undefined;

function metaFor(ip: string): ConnectionMeta {
  if (lastMeta === undefined || lastMeta.remoteAddress !== ip) lastMeta = Object.freeze({ transport: 'websocket', remoteAddress: ip });
  return lastMeta;
}

/**
 * The heartbeat's clock: whole ms since the process started (`performance.now()`), a small
 * integer kept in the session's field, where `Date.now()` (past 2^31) is a heap number per socket.
 */
export function heartbeatNow(): number {
  return Math.floor(performance.now());
}

/** Buffers the hub hands over hold UTF-8 text: send them as text frames. */
const TEXT = { binary: false } as const;

export class WsSession extends AdmissionSocket implements HubSocket, Expiring, Slotted {
  attached: AttachedConnection | undefined = undefined;
  /** The heartbeat's state (see `beat`): when the last ping went out (heartbeatNow), and whether its pong is awaited. */
  private pingSentAt = 0;
  private awaitingPong = false;
  expiresAt: number | undefined = undefined;
  /** Frames are handled in arrival order; the rate check is asynchronous, so they chain. Undefined when idle. */
  private chain: Promise<void> | undefined = undefined;
  /** Its place in the endpoint's session list (ws-socket.ts), -1 when not in it. */
  slot = -1;

  /** The socket's user, once it is open: the hub's connection holds it (no field of its own). */
  get principal(): Principal | undefined {
    return this.attached?.principal;
  }

  // HubSocket: what the hub writes to.

  send(frame: string | Buffer): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    this.edge.corker.before(ws);
    this.write(frame);
  }

  /** Several frames: one write of them all (made once for every socket they go to), else one by one. */
  sendEach(frames: readonly Buffer[]): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    const { corker, prepared, directBelowBytes } = this.edge;
    corker.before(ws, frames.length > 1);
    if (prepared.writeEach(ws, frames, directBelowBytes)) return;
    // One by one, each past the corker as `send` does (a corked socket is flushed at its flush size).
    for (let i = 0; i < frames.length; i += 1) {
      if (i > 0) corker.before(ws);
      this.write(frames[i] as Buffer);
    }
  }

  /** Pre-framed when it can be (prepared-frames.ts), else through `ws` (or the shared deflate). */
  private write(frame: string | Buffer): void {
    const { prepared, shared, directBelowBytes } = this.edge;
    if (typeof frame !== 'string' && frame.length < directBelowBytes && prepared.write(this.ws, frame)) return;
    if (shared === undefined) this.ws.send(frame, TEXT);
    else shared.send(this.ws, frame);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  whenDrained(belowBytes: number, timeoutMs: number): Promise<void> {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= belowBytes) return Promise.resolve();
    return whenDrained(ws, belowBytes, timeoutMs);
  }

  /** Admitted: attaches to the hub, then handles the frames that arrived meanwhile, in order. */
  protected open(principal: Principal): void {
    const { hub, limits, logger } = this.edge;
    this.stopTimer();
    const pending = this.takePending();
    const attach = pending?.attach ?? {};
    const attached = hub.attach(this, principal, { ...attach, meta: metaFor(this.ip) });
    if (attached === undefined) {
      this.end();
      void limits.perUser.release(principal.id);
      return;
    }
    this.phase = 'open';
    limitFrames(this.ws, this.edge.maxPayloadBytes);
    this.attached = attached;
    logger.info(
      { clientId: attached.id, user: principal.name, ip: this.ip, method: principal.method },
      `WebSocket authenticated for user ${principal.name} from ${this.ip}`,
    );
    if (attach.problem !== undefined) this.send(JSON.stringify({ type: 'error', code: 'invalid_message', message: attach.problem, ref: 'connect' }));
    this.expiresAt = principal.expiresAt;
    armExpiry(this);
    this.pingSentAt = heartbeatNow();
    this.awaitingPong = false;
    for (const frame of pending?.queued ?? []) this.enqueue(frame.data, frame.isBinary);
  }

  // The heartbeat (driven by the endpoint's one timer).

  /**
   * One heartbeat tick at `nowMs`: an open socket whose pong is overdue by `pongTimeoutMs` is
   * terminated; one whose last ping is `pingIntervalMs` old is pinged. A fixed schedule: incoming
   * data does not postpone it.
   */
  beat(nowMs: number, pingIntervalMs: number, pongTimeoutMs: number): void {
    if (this.phase !== 'open') return;
    if (this.awaitingPong) {
      if (nowMs - this.pingSentAt <= pongTimeoutMs) return;
      this.edge.logger.debug({}, 'WebSocket peer missed a pong; terminating');
      this.terminate();
    } else if (nowMs - this.pingSentAt >= pingIntervalMs) {
      this.pingSentAt = nowMs;
      this.awaitingPong = true;
      this.ws.ping();
    }
  }

  /** The peer answered a ping (the endpoint's shared `pong` listener). */
  ponged(): void {
    this.awaitingPong = false;
  }

  // Frames and the socket's end.

  /** A frame from the peer (the endpoint's shared `message` listener). */
  frame(data: RawData, isBinary: boolean): void {
    switch (this.phase) {
      case 'auth':
        return this.authFrame(data, isBinary);
      case 'checking':
      case 'admitting':
        return this.hold(data, isBinary);
      case 'open':
        return this.enqueue(data, isBinary);
      case 'ended':
        return;
    }
  }

  private enqueue(data: RawData, isBinary: boolean): void {
    const next: Promise<void> = (this.chain ?? Promise.resolve())
      .then(() => this.handle(data, isBinary))
      .catch((err: unknown) => this.edge.logger.error({ err, clientId: this.attached?.id }, 'WebSocket message handling failed'))
      .finally(() => {
        if (this.chain === next) this.chain = undefined;
      });
    this.chain = next;
  }

  private async handle(data: RawData, isBinary: boolean): Promise<void> {
    const { limits, logger, authenticator } = this.edge;
    const attached = this.attached as AttachedConnection;
    const principal = this.principal as Principal;
    // Over the rate the session ended (below): frames already chained are dropped.
    if (this.phase !== 'open') return;
    const allowed = await limits.messages.take(attached.id);
    if (!allowed.ok) {
      this.end();
      logger.warn(
        { clientId: attached.id, user: principal.name, ip: this.ip },
        `WebSocket client ${attached.id} (${principal.name}) exceeded the message rate`,
      );
      this.send(JSON.stringify({ type: 'error', code: ErrorCode.RATE_LIMITED, message: 'too many messages per second; closing' }));
      this.close(CloseCode.RATE_LIMITED, 'rate limited: too many messages per second');
      return;
    }
    const bytes = byteLength(data);
    if (this.edge.debug) logger.debug({ clientId: attached.id, bytes }, 'WebSocket message');
    // Parsed once, here, after the size check: over the limit nothing is decoded (message_too_large).
    const parsed =
      bytes > this.edge.maxMessageBytes ? oversizedFrame(bytes, this.edge.maxMessageBytes) : isBinary ? BINARY_FRAME : parseClientMessage(textOf(data));
    if (parsed.ok) {
      if (parsed.message.type === 'refresh') {
        const outcome = await refreshCredential(this, principal, authenticator, parsed.message.token, this.edge.authCheckTimeoutMs);
        if (this.phase !== 'open') this.stopTimer();
        else if (outcome.principal !== undefined) this.rebind(outcome.principal);
        this.send(JSON.stringify(outcome.answer));
        if (outcome.revoked === true && this.phase === 'open') this.close(CloseCode.ACCESS_REVOKED, 'access revoked; this user may no longer connect');
        return;
      }
      if (parsed.message.type === 'auth') {
        this.send(
          JSON.stringify({
            type: 'error',
            code: ErrorCode.INVALID_MESSAGE,
            message: 'already authenticated; use refresh to renew the credential',
            ref: 'auth',
          }),
        );
        return;
      }
    }
    // A snapshot or resume is charged to the budgets before the next frame is looked at.
    await attached.receive(parsed);
  }

  /** A refresh succeeded: the socket (and the hub's connection) carry the new principal, e.g. a session binding. */
  private rebind(principal: Principal): void {
    this.attached?.rebind(principal);
  }

  /** The credential expired (see ws-credential.ts): log and close with 4001 or 4003. */
  expired(): void {
    const principal = this.principal as Principal;
    this.edge.logger.info(
      { clientId: this.attached?.id, user: principal.name, ip: this.ip },
      `WebSocket credential expired for user ${principal.name} from ${this.ip}`,
    );
    const [code, reason] = expiryClose(principal);
    this.close(code, reason);
  }

  /** The heartbeat found the pong overdue: no more beats, and the socket goes down at once. */
  terminate(): void {
    this.end();
    this.ws.terminate();
  }

  /** The socket closed (the shared `close` listener): gives back its slots and tells the hub, once. */
  closed(code: number, reason: Buffer): void {
    const { limits, logger } = this.edge;
    this.end();
    void limits.perIp.release(this.ip);
    const { attached, principal } = this;
    if (attached === undefined || principal === undefined) return;
    void limits.perUser.release(principal.id);
    attached.closed(code, reason.toString());
    logger.info({ clientId: attached.id, user: principal.name, code }, `Client ${attached.id} (${principal.name}) disconnected`);
  }
}
