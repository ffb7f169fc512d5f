/**
 * One client connection as the core sees it, owning its delivery: what it is subscribed to, its
 * streams (position, and a buffer while a snapshot or replay is in flight), its queue of sync work
 * and its sends, with the slow-consumer bound. Fan-out (delivery.ts) finds receivers in the
 * subscription index and hands each its share; the connection decides what of it to send.
 */
import type { Principal } from '../auth/principal.js';
import { CloseCode, type ErrorMessage, type ParseResult } from '../protocol/index.js';
import type { Logger } from '../shared/logger.js';
import type { TopicEvent } from '../store/types.js';
import type { AttachedConnection } from './attached.js';
import type { LocalBudget } from './budget.js';
import type { ConnectionMeta } from './connection-info.js';
import type { ShareFrames } from './frames.js';
import type { HubObserver } from './observer.js';
import type { HubSocket } from './socket.js';
import type { ReceiverFilters } from './sources.js';
import { countOf, holds, listOf, minus, plus, streamOf, syncing, syncingStream, type Few, type Stream } from './streams.js';
import type { SubscriptionIndex } from './subscription-index.js';

/** What every connection of a hub shares (one object per hub, so each connection holds one pointer). */
export interface ConnectionContext {
  readonly index: SubscriptionIndex<Connection>;
  /** A frame is refused (and the connection closed 4009) while more than this is queued unsent. */
  readonly maxBufferedBytes: number;
  readonly observer: HubObserver | undefined;
  readonly logger: Logger;
  /** The connection is gone, closed by either side: the hub lets go of it. */
  forget(conn: Connection, code: number): void;
  /** One client frame for the connection (requests.ts); a promise while a request is being charged. */
  receive(conn: Connection, parsed: ParseResult): Promise<void> | undefined;
}

/**
 * Connection times are kept as whole milliseconds since this module loaded: a small integer is
 * stored in the field itself, where an epoch in ms (past 2^31), or the unrounded result of a
 * subtraction, is a 16-byte heap number per connection.
 */
const CLOCK_BASE_MS = Date.now();

const NOTHING: readonly TopicEvent[] = Object.freeze([]);

/**
 * The hub's side of one connection, and the handle its adapter holds (AttachedConnection): one
 * object per connection, with its subscriptions and streams as fields of its own (streams.ts).
 */
export class Connection implements LocalBudget, AttachedConnection {
  /** Its subscription names (at most `maxSubscriptions`), in the order they were added. */
  private subs: Few<string> = undefined;
  /** Its streams by log topic (one per log topic at most). */
  private held: Few<Stream> = undefined;
  /** Snapshot and resume work, run one after another so their frames never interleave; undefined when idle. */
  private sync: Promise<void> | undefined = undefined;
  /** Tasks in the sync queue not yet finished (the running one included). */
  queued = 0;
  /** The connection's cost budget (core/budget.ts). */
  budgetSpent = 0;
  budgetWindowEnd = 0;
  /** Closed by either side: nothing more is sent or queued. */
  isClosed = false;
  /** What the admin API lists (connection-info.ts): when it attached (see CLOCK_BASE_MS) and what went each way. */
  private readonly since = Math.floor(Date.now() - CLOCK_BASE_MS);
  messagesIn = 0;
  framesOut = 0;
  bytesOut = 0;
  /** The filters it counts (a `subscribe` option) with their extras key; undefined for the defaults (most connections). */
  private filtering: { readonly filters: ReceiverFilters; readonly extrasKey: string } | undefined = undefined;

  constructor(
    readonly id: string,
    /** Replaced only by `AttachedConnection.rebind` (same user id). */
    public principal: Principal,
    readonly socket: HubSocket,
    private readonly ctx: ConnectionContext,
    readonly meta?: ConnectionMeta,
  ) {}

  /** The filters it counts, or undefined for the defaults. */
  get filters(): ReceiverFilters | undefined {
    return this.filtering?.filters;
  }

  /** Receivers with equal keys get equal extras: the user id, and the filters' key when it named any. */
  get extrasKey(): string {
    return this.filtering?.extrasKey ?? this.principal.id;
  }

  /** When it attached (epoch ms). */
  get sinceMs(): number {
    return CLOCK_BASE_MS + this.since;
  }

  // AttachedConnection: what the adapter (ws-session.ts, sse-stream.ts) calls.

  receive(parsed: ParseResult): Promise<void> | undefined {
    this.messagesIn += 1;
    return this.isClosed ? undefined : this.ctx.receive(this, parsed);
  }

  rebind(principal: Principal): void {
    if (principal.id !== this.principal.id) throw new Error('rebind: a connection keeps its user');
    this.principal = principal;
  }

  // Subscriptions and streams.

  get subscriptionCount(): number {
    return countOf(this.subs);
  }

  /** Its subscription names, in the order they were added. */
  subscriptionNames(): readonly string[] {
    return listOf(this.subs);
  }

  isSubscribed(name: string): boolean {
    return holds(this.subs, name);
  }

  /** Its stream of `logTopic`, if it has one. */
  stream(logTopic: string): Stream | undefined {
    return streamOf(this.held, logTopic);
  }

  streamList(): readonly Stream[] {
    return listOf(this.held);
  }

  dropStream(logTopic: string): void {
    this.held = minus(this.held, (s) => s.topic === logTopic);
  }

  setFilters(filters: ReceiverFilters | undefined): void {
    this.filtering = filters === undefined ? undefined : { filters, extrasKey: `${this.principal.id}\n${filters.key}` };
  }

  /** Queues a frame, or closes the connection (4009) when its send buffer is over the bound. */
  send(frame: string | Buffer): void {
    if (!this.hasRoom()) return;
    this.socket.send(frame);
    this.framesOut += 1;
    this.bytesOut += frame.length;
    this.ctx.observer?.messageOut(frame.length, 1);
  }

  /** Queues several frames at once, in order (a group's share: fanout-queue.ts), under the same bound. */
  sendEach(frames: readonly Buffer[]): void {
    if (!this.hasRoom()) return;
    this.socket.sendEach(frames);
    let bytes = 0;
    for (let i = 0; i < frames.length; i += 1) bytes += (frames[i] as Buffer).length;
    this.framesOut += frames.length;
    this.bytesOut += bytes;
    this.ctx.observer?.messageOut(bytes, frames.length);
  }

  /** False when closed, or when its send buffer is over the bound: then it is closed (4009). */
  private hasRoom(): boolean {
    if (this.isClosed) return false;
    if (this.socket.bufferedAmount <= this.ctx.maxBufferedBytes) return true;
    this.ctx.observer?.slowConsumer();
    this.close(CloseCode.SLOW_CONSUMER, 'slow consumer: send buffer full; reconnect and resume');
    return false;
  }

  sendJson(message: object): void {
    this.send(JSON.stringify(message));
  }

  /** An `error` frame; `ref` names the request it answers. */
  sendError(code: ErrorMessage['code'], message: string, ref?: string, retryAfterMs?: number): void {
    const error: ErrorMessage = {
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }),
    };
    this.sendJson(error);
  }

  /** Closes the socket and lets go of the connection. Idempotent. */
  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.socket.close(code, reason);
    this.closed(code);
  }

  /** The socket closed (or is being closed; AttachedConnection): subscriptions and streams go, names included. Idempotent. */
  closed(code: number): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // Empty index entries go too: names are client-chosen, so a kept empty set is a leak per name.
    this.ctx.index.removeAll(this, listOf(this.subs));
    this.held = undefined;
    this.ctx.forget(this, code);
  }

  subscribe(name: string): void {
    if (!holds(this.subs, name)) this.subs = plus(this.subs, name);
    this.ctx.index.add(this, name);
  }

  unsubscribe(name: string): void {
    this.subs = minus(this.subs, (n) => n === name);
    this.ctx.index.remove(this, name);
  }

  /**
   * A new syncing stream of `logTopic`, or undefined when the connection has one; with `resync`,
   * an existing stream goes back to syncing (its snapshot is about to be replaced) and is returned.
   */
  startStream(logTopic: string, resync = false): Stream | undefined {
    const existing = streamOf(this.held, logTopic);
    if (existing !== undefined) {
      if (resync) syncing(existing);
      return resync ? existing : undefined;
    }
    const stream = syncingStream(logTopic);
    this.held = plus(this.held, stream);
    return stream;
  }

  /** Queues snapshot/resume work behind any already queued; a failure closes the connection (1011). */
  run(task: () => Promise<void>): void {
    this.queued += 1;
    const next: Promise<void> = (this.sync ?? Promise.resolve())
      .then(() => (this.isClosed ? undefined : task()))
      .catch((err: unknown) => {
        this.ctx.logger.error({ err, clientId: this.id }, 'WebSocket sync failed');
        this.close(CloseCode.INTERNAL_ERROR, 'internal error; reconnect and resume');
      })
      .finally(() => {
        this.queued -= 1;
        if (this.sync === next) this.sync = undefined;
      });
    this.sync = next;
  }

  /**
   * Fan-out's first question: does this live connection take `events` (one, or a group of one
   * topic in offset order) now? All or none: a syncing stream keeps them in its buffer (its
   * catch-up sends them) and says no, as does a connection without the stream.
   */
  takesLive(events: readonly TopicEvent[]): boolean {
    const stream = streamOf(this.held, (events[0] as TopicEvent).topic);
    if (stream === undefined || this.isClosed) return false;
    if (stream.mode === 'live') return true;
    for (let i = 0; i < events.length; i += 1) stream.buffer.push(events[i] as TopicEvent);
    return false;
  }

  /**
   * Sends its share of fanned-out events (one topic, offset order) past its position as one frame:
   * the event's own, or a `batch` of several. Buffered instead when the stream went back to syncing
   * meanwhile (a resume arrived while extras were being computed).
   */
  deliver(share: readonly TopicEvent[], frames: ShareFrames): void {
    const stream = this.isClosed ? undefined : streamOf(this.held, (share[0] as TopicEvent).topic);
    if (stream === undefined) return;
    if (stream.mode === 'syncing') {
      for (const event of share) stream.buffer.push(event);
      return;
    }
    const position = stream.position;
    // A share is in offset order: when its first event is past the position, all are, and the share
    // itself goes on (receivers of one group share frames by its identity: frames.ts).
    const picked = (share[0] as TopicEvent).offset > position ? share : share.length === 1 ? NOTHING : share.filter((e) => e.offset > position);
    if (picked.length === 0) return;
    stream.position = (picked[picked.length - 1] as TopicEvent).offset;
    const out = frames.of(picked);
    if (Buffer.isBuffer(out)) this.send(out);
    else this.sendEach(out);
  }
}
