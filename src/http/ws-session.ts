/**
 * One socket on /ws, from the upgrade to the close. It is the HubSocket the hub writes to and all
 * the state the edge keeps for the socket: how far authentication got, frames that arrived before
 * the hub took over, the heartbeat, the credential's expiry and the message rate. Its behaviour
 * lives on the prototype and the endpoint's listeners are shared by every socket (src/http/ws.ts),
 * so an idle connection costs the edge this one object and no closures. The upgrade request is not
 * kept: only the client's address and the `Origin` header outlive it.
 *
 * Phases: `auth` (no credential at the upgrade: the first frame must be `{"type":"auth",…}`,
 * within the timeout) → `checking` (that token is being checked) → `admitting` (the per-user slot
 * is being taken) → `open` (attached to the hub) → `ended` (closed, refused, failed or terminated).
 * Frames that arrive while checking or admitting are queued and handled in order once open.
 *
 * Until it is open a socket costs little whatever it sends: the `auth` frame and the queue together
 * hold at most `preauthMaxBytes` (more closes it with 1009, before anything is parsed), and checking
 * plus admitting must finish within `authCheckTimeoutMs` (else 4002), however slow the identity
 * provider. Once open, a frame over the hub's message limit goes to the hub undecoded.
 */
import type { RawData, WebSocket } from 'ws';
import type { AuthResult, Authenticator, SocketFacts } from '../auth/authenticator.js';
import type { AuthLimits } from '../auth/limits.js';
import type { Principal } from '../auth/principal.js';
import type { AttachOptions, AttachedConnection, Hub, HubSocket } from '../core/index.js';
import type { Logger } from '../shared/logger.js';
import { BINARY_FRAME, CloseCode, ErrorCode, oversizedFrame, parseClientMessage } from '../protocol/index.js';
import type { Corker } from './cork.js';
import type { PreparedFrames } from './prepared-frames.js';
import type { SharedDeflate } from './shared-deflate.js';
import { armExpiry, expiryClose, refreshCredential, type Expiring } from './ws-credential.js';
import { byteLength, limitFrames, textOf } from './ws-data.js';
import { whenDrained } from './ws-drain.js';

/** What every socket of one endpoint shares, held once by the endpoint. */
export interface Edge {
  readonly hub: Hub;
  readonly authenticator: Authenticator;
  readonly limits: AuthLimits;
  readonly logger: Logger;
  readonly debug: boolean;
  readonly authTimeoutMs: number;
  /** Most bytes a socket may send before it is open: its `auth` frame, and separately what it queues. */
  readonly preauthMaxBytes: number;
  /** Deadline for checking a credential and admitting the socket (4002 when missed); also bounds `refresh`. */
  readonly authCheckTimeoutMs: number;
  /** The hub's limit for one client message: longer frames are handed over without being decoded. */
  readonly maxMessageBytes: number;
  /** The frame limit of an open socket (WS_MAX_PAYLOAD_BYTES); until open it is `preauthMaxBytes`. */
  readonly maxPayloadBytes: number;
  readonly corker: Corker;
  readonly shared: SharedDeflate | undefined;
  /** Broadcast frames framed once and written straight to the socket (see prepared-frames.ts). */
  readonly prepared: PreparedFrames;
  /** Frames at least this long may be compressed, so they take the deflate path instead. */
  readonly directBelowBytes: number;
  readonly onRefused: ((reason: string) => void) | undefined;
}

/** What the upgrade URL asks of the hub (`?topics=`, `?resume=`), and what was wrong with it. */
export interface UpgradeAttach extends AttachOptions {
  readonly problem?: string;
}

type Failure = Exclude<AuthResult, { ok: true }>;
export type Phase = 'auth' | 'checking' | 'admitting' | 'open' | 'ended';

/** How long a socket refused before it opened may take to read its close frame before it is dropped. */
const DROP_AFTER_CLOSE_MS = 2000;

/** Buffers the hub hands over hold UTF-8 text: send them as text frames. */
const TEXT = { binary: false } as const;

const FAILURE_WORDS: Readonly<Record<Failure['reason'], string>> = {
  missing: 'missing token',
  invalid: 'invalid token',
  expired: 'expired token',
  forbidden: 'forbidden',
  unavailable: 'identity provider unavailable',
};

export class WsSession implements HubSocket, Expiring, SocketFacts {
  phase: Phase = 'admitting';
  /** The socket's user, once it is open. */
  principal: Principal | undefined = undefined;
  attached: AttachedConnection | undefined = undefined;
  /** The heartbeat's state (see `beat`): when the last ping went out, and whether its pong is awaited. */
  private pingSentAt = 0;
  private awaitingPong = false;
  expiresAt: number | undefined = undefined;
  /** The auth timeout while in `auth`, the check deadline while checking or admitting, then the credential's expiry (when it has one). */
  timer: NodeJS.Timeout | undefined = undefined;
  /** The upgrade's attach options, until the hub takes over. */
  private attach: UpgradeAttach | undefined;
  /** Frames that arrived while checking or admitting, and their total size (at most `preauthMaxBytes`). */
  private queued: { readonly data: RawData; readonly isBinary: boolean }[] | undefined = undefined;
  private queuedBytes = 0;
  /** Frames are handled in arrival order; the rate check is asynchronous, so they chain. Undefined when idle. */
  private chain: Promise<void> | undefined = undefined;
  private limited = false;

  constructor(
    private readonly edge: Edge,
    readonly ws: WebSocket,
    readonly ip: string,
    readonly origin: string | undefined,
    attach: UpgradeAttach,
  ) {
    this.attach = attach;
    limitFrames(ws, edge.preauthMaxBytes);
  }

  // HubSocket: what the hub writes to.

  send(frame: string | Buffer): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    this.edge.corker.before(ws);
    if (typeof frame !== 'string' && frame.length < this.edge.directBelowBytes && this.edge.prepared.write(ws, frame)) return;
    if (this.edge.shared === undefined) ws.send(frame, TEXT);
    else this.edge.shared.send(ws, frame);
  }

  close(code: number, reason: string): void {
    const ws = this.ws;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  whenDrained(belowBytes: number, timeoutMs: number): Promise<void> {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= belowBytes) return Promise.resolve();
    return whenDrained(ws, belowBytes, timeoutMs);
  }

  // Authentication and admission.

  /** No credential came with the upgrade: the first frame must bring one, within the timeout. */
  awaitAuth(): void {
    this.phase = 'auth';
    this.timer = setTimeout(WsSession.authTimedOut, this.edge.authTimeoutMs, this);
    this.timer.unref();
  }

  private static authTimedOut(session: WsSession): void {
    session.timer = undefined;
    if (session.phase !== 'auth') return;
    session.refuse({ ok: false, reason: 'missing', message: 'no credential: send {"type":"auth","token":…} first, or connect with ?token=' });
  }

  /** The first frame of a socket without a credential: sized before it is decoded, then checked against the deadline. */
  private authFrame(data: RawData, isBinary: boolean): void {
    this.stopTimer();
    const bytes = byteLength(data);
    if (bytes > this.edge.preauthMaxBytes) return this.tooMuchBeforeAuth(`an auth frame of ${bytes} bytes`);
    const parsed = isBinary ? undefined : parseClientMessage(textOf(data));
    if (parsed === undefined || !parsed.ok || parsed.message.type !== 'auth') {
      this.refuse({ ok: false, reason: 'missing', message: 'authenticate first: the first message must be {"type":"auth","token":…}' });
      return;
    }
    this.phase = 'checking';
    this.armDeadline();
    this.edge.authenticator
      .credential(parsed.message.token, this)
      .then(async (result) => {
        if (this.phase !== 'checking') return; // the deadline passed, or the socket closed
        if (!result.ok) this.refuse(result);
        else if (this.ws.readyState === this.ws.OPEN) await this.admit(result.principal);
        else this.end();
      })
      .catch((err: unknown) => this.fail(err, 'WebSocket in-band authentication failed'));
  }

  /** Starts the check deadline unless it runs already (the in-band path arms it before checking). */
  private armDeadline(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(WsSession.checkTimedOut, this.edge.authCheckTimeoutMs, this);
    this.timer.unref();
  }

  private static checkTimedOut(session: WsSession): void {
    session.timer = undefined;
    if (session.phase === 'checking' || session.phase === 'admitting') session.deadlineMissed();
  }

  /** The credential was not checked, or the socket not admitted, within the deadline: close with 4002. */
  deadlineMissed(): void {
    const { logger, onRefused, authCheckTimeoutMs } = this.edge;
    this.end();
    logger.warn({ ip: this.ip }, `WebSocket authentication timed out after ${authCheckTimeoutMs} ms from ${this.ip}`);
    onRefused?.('auth_timeout');
    this.close(CloseCode.AUTH_TIMEOUT, 'authentication timed out: the credential could not be checked in time; retry later');
  }

  /** More than `preauthMaxBytes` arrived before the socket was open: close with 1009 without reading it. */
  private tooMuchBeforeAuth(what: string): void {
    const { logger, onRefused, preauthMaxBytes } = this.edge;
    this.end();
    logger.warn({ ip: this.ip }, `WebSocket refused: ${what} before authentication from ${this.ip}`);
    onRefused?.('preauth_too_large');
    this.close(CloseCode.MESSAGE_TOO_BIG, `too much data before authentication (limit ${preauthMaxBytes} bytes)`);
    this.dropSoon();
  }

  /**
   * After a close frame to a socket that was never open: drop the connection shortly after, so a
   * peer that ignores the close cannot keep the server reading (and discarding) what it streams
   * for the whole close timeout. The delay lets the close frame reach the peer first.
   */
  dropSoon(): void {
    setTimeout(WsSession.drop, DROP_AFTER_CLOSE_MS, this.ws).unref();
  }

  private static drop(ws: WebSocket): void {
    if (ws.readyState !== ws.CLOSED) ws.terminate();
  }

  /** Authentication failed: log, count and close with 1008 and the reason. */
  refuse(result: Failure): void {
    const { logger, onRefused } = this.edge;
    this.end();
    const detail = result.reason === 'forbidden' ? `${FAILURE_WORDS.forbidden} (${result.message})` : FAILURE_WORDS[result.reason];
    logger.warn({ ip: this.ip, reason: result.reason }, `WebSocket authentication failed: ${detail} from ${this.ip}`);
    onRefused?.(`auth_${result.reason}`);
    // Unavailable is not a verdict on the credential: 4002 tells the client to retry later.
    const code = result.reason === 'unavailable' ? CloseCode.AUTH_TIMEOUT : CloseCode.POLICY_VIOLATION;
    this.close(code, `${result.reason}: ${result.message}`.slice(0, 120));
  }

  /** Takes a per-user slot (within the check deadline), then attaches to the hub. Frames meanwhile are queued. */
  async admit(principal: Principal): Promise<void> {
    const { limits, logger, onRefused } = this.edge;
    this.phase = 'admitting';
    this.armDeadline();
    const acquired = await limits.perUser.acquire(principal.id);
    if (this.phase !== 'admitting') {
      if (acquired) await limits.perUser.release(principal.id); // the deadline passed meanwhile
      return;
    }
    if (!acquired) {
      this.end();
      logger.warn({ ip: this.ip, user: principal.name }, `WebSocket connection refused: too many connections for user ${principal.name} from ${this.ip}`);
      onRefused?.('user_limit');
      this.close(CloseCode.TRY_AGAIN_LATER, 'too many connections for this user; close another one or try later');
      return;
    }
    if (this.ws.readyState !== this.ws.OPEN) {
      this.end();
      await limits.perUser.release(principal.id);
      return;
    }
    this.open(principal);
  }

  /** Logs an unexpected failure before the socket was open and closes it with 1011. */
  fail(err: unknown, message: string): void {
    this.edge.logger.error({ err }, message);
    this.end();
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  private open(principal: Principal): void {
    const { hub, limits, logger } = this.edge;
    this.stopTimer();
    const attach = this.attach ?? {};
    this.attach = undefined;
    const attached = hub.attach(this, principal, attach);
    if (attached === undefined) {
      this.end();
      void limits.perUser.release(principal.id);
      return;
    }
    this.phase = 'open';
    limitFrames(this.ws, this.edge.maxPayloadBytes);
    this.principal = principal;
    this.attached = attached;
    logger.info(
      { clientId: attached.id, user: principal.name, ip: this.ip, method: principal.method },
      `WebSocket authenticated for user ${principal.name} from ${this.ip}`,
    );
    if (attach.problem !== undefined) this.send(JSON.stringify({ type: 'error', code: 'invalid_message', message: attach.problem, ref: 'connect' }));
    this.expiresAt = principal.expiresAt;
    armExpiry(this);
    this.pingSentAt = Date.now();
    this.awaitingPong = false;
    const queued = this.queued;
    this.queued = undefined;
    this.queuedBytes = 0;
    if (queued !== undefined) for (const frame of queued) this.enqueue(frame.data, frame.isBinary);
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

  /** Queues a frame until the socket is open, within the pre-auth budget. */
  private hold(data: RawData, isBinary: boolean): void {
    this.queuedBytes += byteLength(data);
    if (this.queuedBytes > this.edge.preauthMaxBytes) return this.tooMuchBeforeAuth(`${this.queuedBytes} queued bytes`);
    (this.queued ??= []).push({ data, isBinary });
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
    if (this.limited) return;
    const allowed = await limits.messages.take(attached.id);
    if (!allowed.ok) {
      this.limited = true;
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
    this.principal = principal;
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

  private end(): void {
    this.phase = 'ended';
    this.queued = undefined;
    this.queuedBytes = 0;
    this.attach = undefined;
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
