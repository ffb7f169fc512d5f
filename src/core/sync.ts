/**
 * Bringing one connection's stream up to date before it goes live: a snapshot (`initial_state`)
 * or a replay of what it missed (`resumed`), then the events buffered meanwhile. Log reads and
 * snapshots are shared between connections until their topic moves (topic-reads.ts), every event
 * is serialised once, whichever fan-out, flush or replay sends it, and every catch-up is paced
 * (pacer.ts): it yields to the event loop and waits for the socket to drain, so one long catch-up
 * neither blocks other clients nor overflows a client that reads.
 */
import { CloseCode, type Position } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';
import type { Connection } from './connection.js';
import { syncing } from './streams.js';
import type { EventFrames } from './frames.js';
import { createCatchUpSender } from './catch-up-sender.js';
import type { HubObserver } from './observer.js';
import { createPacer } from './pacer.js';
import type { RecentEvents } from './recent.js';
import { createReplays, type LogReader } from './replay.js';
import type { TopicSources } from './sources.js';
import { createTopicReads } from './topic-reads.js';
import { snapshotScope } from './topics.js';

/** Distinct reads (resume offsets, users' snapshots) shared per topic between two of its events. */
const MAX_SHARED_READS = 256;
/** Replay pages (already-logged events, valid across moves) kept per topic for other replays. */
const MAX_KEPT_PAGES = 32;
/** The longest a shared read answers before it is read again, even on a topic that does not move. */
const SHARED_READ_MAX_AGE_MS = 2000;

export interface SyncDeps {
  readonly sources: TopicSources;
  /** The recent events in memory: resumes they cover read no log (recent.ts). */
  readonly recent: RecentEvents;
  /** Most log events a resume may be behind before it answers `recovered: false` instead. */
  readonly maxReplay: number;
  /** Catch-up sends only while the socket holds at most this many unsent bytes. */
  readonly lowWaterBytes: number;
  /** A catch-up whose send buffer makes no progress for this long is closed (4009). */
  readonly stallMs: number;
  readonly observer: HubObserver | undefined;
  /** The event's frames, serialised once whichever path sends them (frames.ts frameCache). */
  framesOf(event: TopicEvent): EventFrames;
}

export interface Sync {
  /** Sends one `initial_state` with snapshots of `logTopics`, then flushes their buffers. */
  snapshots(conn: Connection, logTopics: readonly string[]): Promise<void>;
  /** Replays what a client missed on one topic, or falls back to a snapshot (`recovered: false`). */
  resume(conn: Connection, logTopic: string, from: Position): Promise<void>;
  /** Budget units a resume from `from` (or, without it, a snapshot) of `logTopic` is expected to cost. */
  cost(logTopic: string, from?: Position): Promise<number>;
  /** An event of `topic` was delivered: shared reads of it are out of date. */
  moved(topic: string): void;
  /** The log was pruned: no shared read may answer from before it. */
  pruned(): void;
}

/** Rows a snapshot's data holds: array lengths, one level deep (`inventory` is `{clusters, hosts, vms}`). */
function rowsIn(data: Readonly<Record<string, unknown>>): number {
  let rows = 0;
  for (const value of Object.values(data)) {
    if (Array.isArray(value)) rows += value.length;
    else if (typeof value === 'object' && value !== null) for (const inner of Object.values(value)) if (Array.isArray(inner)) rows += inner.length;
  }
  return rows;
}

/**
 * Live events of `logTopics` wait in their buffers from a snapshot's read on: one sent meanwhile
 * could be newer than the snapshot's position yet reach the client before it, and be wiped out by
 * it. (A resync asked while a resume ran finds its stream live again by the time its snapshot starts.)
 */
function holdLive(conn: Connection, logTopics: readonly string[]): void {
  for (const topic of logTopics) {
    const stream = conn.stream(topic);
    if (stream !== undefined) syncing(stream);
  }
}

export function createSync(deps: SyncDeps): Sync {
  const { sources, observer } = deps;
  const reads = createTopicReads(MAX_SHARED_READS, SHARED_READ_MAX_AGE_MS, MAX_KEPT_PAGES);
  const log: LogReader = { epoch: sources.epoch, eventsAfter: (t, after, limit, upto) => sources.eventsAfter(t, after, limit, upto) };
  const pacer = createPacer({
    lowWaterBytes: deps.lowWaterBytes,
    stallMs: deps.stallMs,
    maxBuffered: deps.maxReplay,
    observer,
  });
  const { recent } = deps;
  const replays = createReplays(log, reads, recent, deps.maxReplay, (sinceMs) => pacer.turn(sinceMs));
  const sender = createCatchUpSender(sources, (event) => recent.framesOf(event) ?? deps.framesOf(event));
  /** Rows of the last snapshot of each topic: the estimate charged for the next one. */
  const snapshotRows = new Map<string, number>();

  async function snapshots(conn: Connection, logTopics: readonly string[]): Promise<void> {
    holdLive(conn, logTopics);
    const snaps = await Promise.all(
      logTopics.map((t) => {
        const scope = snapshotScope(conn.subscriptionNames(), t);
        const filters = conn.filters?.topic === t ? conn.filters : undefined;
        const key = `snapshot ${filters === undefined ? conn.principal.id : conn.extrasKey}${scope === undefined ? '' : ` ${scope.join(',')}`}`;
        return reads.share(t, key, () => sources.snapshot(t, conn.principal, scope, filters));
      }),
    );
    if (conn.isClosed) return;
    const data: Record<string, unknown> = {};
    const positions: Record<string, Position> = {};
    snaps.forEach((snap, i) => {
      Object.assign(data, snap.data);
      positions[logTopics[i] as string] = snap.position;
      snapshotRows.set(logTopics[i] as string, rowsIn(snap.data));
    });
    const first = logTopics[0] === undefined ? undefined : conn.stream(logTopics[0]);
    if (first !== undefined && !(await pacer.gate(conn, first).next())) return;
    conn.sendJson({ type: 'initial_state', data, positions });
    for (const [i, topic] of logTopics.entries()) {
      const stream = conn.stream(topic);
      if (stream === undefined) continue;
      stream.position = (snaps[i] as (typeof snaps)[number]).position.offset;
      await sender.flush(conn, stream, pacer.gate(conn, stream, stream.buffer.length));
      if (conn.isClosed) return;
    }
  }

  async function resume(conn: Connection, logTopic: string, from: Position): Promise<void> {
    const stream = conn.stream(logTopic);
    if (stream === undefined) return;
    // Events arriving while the log is read wait in the buffer; the client drops any it already has.
    syncing(stream);
    const plan = await replays.plan(conn, logTopic, from);
    if (conn.isClosed) return;
    if (typeof plan === 'string') {
      observer?.resumed(false);
      conn.sendJson({ type: 'resumed', topic: logTopic, recovered: false, replayed: 0, position: from, reason: plan });
      await snapshots(conn, [logTopic]);
      return;
    }
    observer?.resumed(true);
    conn.sendJson({ type: 'resumed', topic: logTopic, recovered: true, replayed: plan.count, position: { offset: plan.head, epoch: sources.epoch } });
    stream.position = from.offset;
    const gate = pacer.gate(conn, stream, plan.count + stream.buffer.length);
    const whole = await replays.stream(plan, (event) => sender.send(conn, stream, gate, event));
    if (conn.isClosed) return;
    if (!whole) {
      // The sweep pruned what this replay had not sent yet: only a reconnect (and a snapshot) can help.
      conn.close(CloseCode.SLOW_CONSUMER, 'slow consumer: the log was pruned past this replay; reconnect and resume');
      return;
    }
    stream.position = Math.max(stream.position, plan.head);
    await sender.flush(conn, stream, gate);
  }

  async function cost(logTopic: string, from?: Position): Promise<number> {
    if (from !== undefined && from.epoch === sources.epoch) {
      const head = recent.reach(logTopic, from.offset);
      if (head !== undefined) return 1 + head - from.offset;
      const bounds = await replays.bounds(logTopic);
      if (replays.refusal(from, bounds) === undefined) return 1 + bounds.head - from.offset;
    }
    return 1 + (snapshotRows.get(logTopic) ?? 0);
  }

  return { snapshots, resume, cost, moved: (topic) => reads.moved(topic), pruned: () => reads.pruned() };
}
