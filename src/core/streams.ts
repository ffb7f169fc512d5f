/**
 * What a connection holds per topic, kept small since every idle connection holds them: a
 * connection has at most three streams (one per log topic) and usually one subscription, so both
 * are held as one item or a short array that is scanned, not a Map and a Set (whose hash tables
 * cost several hundred bytes even when nearly empty). Fan-out never walks them: it finds
 * connections through the subscription index.
 */
import type { TopicEvent } from '../store/types.js';

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

/**
 * A few items, usually one: none (undefined), one held as it is (no array), or more in an
 * exact-size array that is replaced on change, never grown (concat allocates exactly; spread and
 * filter reserve room to grow). A connection holds its subscriptions and its streams as two such
 * fields of its own (connection.ts), not in objects of their own: 64 bytes less per connection.
 */
export type Few<T> = T | readonly T[] | undefined;

function isList<T>(held: T | readonly T[]): held is readonly T[] {
  return Array.isArray(held);
}

/** The items as a list (a new one-item array when one is held as it is). */
export function listOf<T>(held: Few<T>): readonly T[] {
  if (held === undefined) return [];
  return isList(held) ? held : [held];
}

/** How many items are held. */
export function countOf<T>(held: Few<T>): number {
  if (held === undefined) return 0;
  return isList(held) ? held.length : 1;
}

/** `held` with `item` added last. */
export function plus<T>(held: Few<T>, item: T): Few<T> {
  return held === undefined ? item : listOf(held).concat([item]);
}

/** `held` without its first item matching `drop`. */
export function minus<T>(held: Few<T>, drop: (item: T) => boolean): Few<T> {
  const list = listOf(held);
  const i = list.findIndex(drop);
  if (i < 0) return held;
  const rest = list.slice(0, i).concat(list.slice(i + 1));
  return rest.length > 1 ? rest : rest[0];
}

/** Whether `name` is held (subscription names). */
export function holds(held: Few<string>, name: string): boolean {
  if (held === undefined) return false;
  return isList(held) ? held.includes(name) : held === name;
}

/** The stream of `topic`, if held (fan-out asks this once per receiver: no allocation). */
export function streamOf(held: Few<Stream>, topic: string): Stream | undefined {
  if (held === undefined) return undefined;
  if (!isList(held)) return held.topic === topic ? held : undefined;
  for (let i = 0; i < held.length; i += 1) if ((held[i] as Stream).topic === topic) return held[i];
  return undefined;
}
