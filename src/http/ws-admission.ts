/**
 * A socket on /ws until it is open: how far authentication got, and what it may cost meanwhile.
 * WsSession (ws-session.ts) extends it with what an open socket does; the split is "getting in"
 * and "being in", one object per socket either way (no closures, behaviour on the prototype).
 *
 * Phases: `auth` (no credential at the upgrade: the first frame must be `{"type":"auth",…}`,
 * within the timeout) → `checking` (that token is being checked) → `admitting` (the per-user slot
 * is being taken) → `open` (attached to the hub) → `ended` (closed, refused, failed or terminated).
 * Frames that arrive while checking or admitting are queued and handled in order once open.
 *
 * Until it is open a socket costs little whatever it sends: the `auth` frame and the queue together
 * hold at most `preauthMaxBytes` (more closes it with 1009, before anything is parsed), and checking
 * plus admitting must finish within `authCheckTimeoutMs` (else 4002), however slow the identity
 * provider.
 */
import type { RawData, WebSocket } from 'ws';
import type { AuthResult, Authenticator, SocketFacts } from '../auth/authenticator.js';
import type { AuthLimits } from '../auth/limits.js';
import type { Principal } from '../auth/principal.js';
import type { AttachOptions, Hub } from '../core/index.js';
import { CloseCode, parseClientMessage } from '../protocol/index.js';
import type { Logger } from '../shared/logger.js';
import type { Corker } from './cork.js';
import type { PreparedFrames } from './prepared-frames.js';
import type { SharedDeflate } from './shared-deflate.js';
import { byteLength, limitFrames, textOf } from './ws-data.js';

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

const FAILURE_WORDS: Readonly<Record<Failure['reason'], string>> = {
  missing: 'missing token',
  invalid: 'invalid token',
  expired: 'expired token',
  forbidden: 'forbidden',
  unavailable: 'identity provider unavailable',
};

/**
 * What a socket holds only until it is open: the upgrade's attach options, and the frames that
 * arrived while checking or admitting with their total size (at most `preauthMaxBytes`). One
 * object dropped at open, instead of three fields every open socket would carry.
 */
interface Pending {
  readonly attach: UpgradeAttach;
  queued: { readonly data: RawData; readonly isBinary: boolean }[] | undefined;
  queuedBytes: number;
}

export abstract class AdmissionSocket implements SocketFacts {
  phase: Phase = 'admitting';
  /** The auth timeout while in `auth`, the check deadline while checking or admitting, then the credential's expiry (when it has one). */
  timer: NodeJS.Timeout | undefined = undefined;
  /** Until the socket is open (or ended). */
  private pending: Pending | undefined;

  constructor(
    protected readonly edge: Edge,
    readonly ws: WebSocket,
    readonly ip: string,
    readonly origin: string | undefined,
    attach: UpgradeAttach,
  ) {
    this.pending = { attach, queued: undefined, queuedBytes: 0 };
    limitFrames(ws, edge.preauthMaxBytes);
  }

  /** Attaches the admitted socket to the hub (WsSession). */
  protected abstract open(principal: Principal): void;

  close(code: number, reason: string): void {
    const ws = this.ws;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  }

  // Authentication and admission.

  /** No credential came with the upgrade: the first frame must bring one, within the timeout. */
  awaitAuth(): void {
    this.phase = 'auth';
    this.timer = setTimeout(AdmissionSocket.authTimedOut, this.edge.authTimeoutMs, this);
    this.timer.unref();
  }

  private static authTimedOut(session: AdmissionSocket): void {
    session.timer = undefined;
    if (session.phase !== 'auth') return;
    session.refuse({ ok: false, reason: 'missing', message: 'no credential: send {"type":"auth","token":…} first, or connect with ?token=' });
  }

  /** The first frame of a socket without a credential: sized before it is decoded, then checked against the deadline. */
  protected authFrame(data: RawData, isBinary: boolean): void {
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
    this.timer = setTimeout(AdmissionSocket.checkTimedOut, this.edge.authCheckTimeoutMs, this);
    this.timer.unref();
  }

  private static checkTimedOut(session: AdmissionSocket): void {
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
    setTimeout(AdmissionSocket.drop, DROP_AFTER_CLOSE_MS, this.ws).unref();
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

  /** Queues a frame until the socket is open, within the pre-auth budget. */
  protected hold(data: RawData, isBinary: boolean): void {
    const pending = this.pending;
    if (pending === undefined) return;
    pending.queuedBytes += byteLength(data);
    if (pending.queuedBytes > this.edge.preauthMaxBytes) return this.tooMuchBeforeAuth(`${pending.queuedBytes} queued bytes`);
    (pending.queued ??= []).push({ data, isBinary });
  }

  /** The attach options and the queued frames, handed over once (the socket is open). */
  protected takePending(): Pending | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }

  protected end(): void {
    this.phase = 'ended';
    this.pending = undefined;
    this.stopTimer();
  }

  protected stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
