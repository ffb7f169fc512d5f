/**
 * Per-connection state: subscriptions and, per log topic, a position and a sync buffer. Kept small,
 * since every idle connection holds one: a connection has at most three streams (one per log
 * topic) and usually one or two subscriptions, so both are short exact-size arrays that are
 * scanned, not a Map and a Set (whose hash tables cost several hundred bytes even when nearly
 * empty). Fan-out never walks them: it finds connections through the hub's subscriber sets.
 */
import type { Principal } from '../auth/principal.js';
import type { TopicEvent } from '../store/types.js';
import type { HubSocket } from './socket.js';

/**
 * A log topic as one connection receives it. While `syncing` (snapshot or replay in flight),
 * events are buffered; `position` is the last offset the connection has been given. Change the
 * mode with `syncing()` and `live()`: a live stream has no buffer of its own.
 */
export interface Stream {
  readonly topic: string;
  mode: 'syncing' | 'live';
  position: number;
  buffer: TopicEvent[];
}

/** The buffer of every live stream: empty and frozen, so a push while live would throw. */
const LIVE_BUFFER = Object.freeze([]) as readonly TopicEvent[] as TopicEvent[];

/** A new stream of `topic`, syncing. */
export function syncingStream(topic: string): Stream {
  return { topic, mode: 'syncing', position: 0, buffer: [] };
}

/** Back to syncing (a resume): a live stream gets a buffer again; a syncing one keeps what it holds. */
export function syncing(stream: Stream): void {
  if (stream.mode === 'syncing') return;
  stream.mode = 'syncing';
  stream.buffer = [];
}

/** Live: the buffer (flushed by now) is let go. */
export function live(stream: Stream): void {
  stream.mode = 'live';
  stream.buffer = LIVE_BUFFER;
}

const NO_STREAMS: readonly Stream[] = Object.freeze([]);
const NO_NAMES: readonly string[] = Object.freeze([]);

/** `list` without its first item matching `drop`; built with concat, which allocates exactly (spread and filter reserve room to grow). */
function without<T>(list: readonly T[], drop: (item: T) => boolean): readonly T[] {
  const i = list.findIndex(drop);
  return i < 0 ? list : list.slice(0, i).concat(list.slice(i + 1));
}

/** A connection's streams by log topic. Added and removed rarely: the array is replaced, never grown. */
export class Streams {
  private list = NO_STREAMS;

  get(topic: string): Stream | undefined {
    const list = this.list;
    for (let i = 0; i < list.length; i += 1) if ((list[i] as Stream).topic === topic) return list[i];
    return undefined;
  }

  has(topic: string): boolean {
    return this.get(topic) !== undefined;
  }

  add(stream: Stream): void {
    this.list = this.list.concat([stream]);
  }

  delete(topic: string): void {
    this.list = without(this.list, (s) => s.topic === topic);
  }

  clear(): void {
    this.list = NO_STREAMS;
  }

  [Symbol.iterator](): Iterator<Stream> {
    return this.list[Symbol.iterator]();
  }
}

/** A connection's subscription names (at most `maxSubscriptions`), in the order they were added. */
export class Subscriptions implements Iterable<string> {
  private names = NO_NAMES;

  get size(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }

  add(name: string): void {
    if (!this.has(name)) this.names = this.names.concat([name]);
  }

  delete(name: string): void {
    this.names = without(this.names, (n) => n === name);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.names[Symbol.iterator]();
  }
}

export class Connection {
  readonly subscriptions = new Subscriptions();
  readonly streams = new Streams();
  /** Snapshot and resume work, run one after another so their frames never interleave; undefined when idle. */
  sync: Promise<void> | undefined = undefined;
  closed = false;

  constructor(
    readonly id: string,
    readonly principal: Principal,
    readonly socket: HubSocket,
  ) {}
}
