/**
 * Reading what a connection missed on one log topic, in pages, with bounded memory: a first pass
 * counts the events the connection will receive (so `resumed.replayed` is exact before any of them
 * is sent), a second streams them page by page. A range that fits in one page is read once. Pages
 * are shared between connections asking the same question (topic-reads.ts). A range the ring of
 * recent events holds (recent.ts) is answered from memory: no log read, no yield.
 */
import type { Position } from '../protocol/index.js';
import type { EventRange, TopicEvent } from '../store/types.js';
import type { Connection } from './connection.js';
import { audienceMatches } from './frames.js';
import type { RecentEvents } from './recent.js';
import type { TopicReads } from './topic-reads.js';
import { subscribedTo } from './topics.js';

/** Events per log read while replaying: what one replay holds in memory at a time. */
export const PAGE = 256;

export interface LogReader {
  readonly epoch: string;
  /** Events in (after, upto], at most `limit`, with the log's bounds; `limit` 0 reads only the bounds. */
  eventsAfter(logTopic: string, after: number, limit: number, upto?: number): Promise<EventRange>;
}

/** Why a resume cannot be replayed (PROTOCOL.md, `resumed.reason`). */
export type NotReplayable = 'epoch_changed' | 'out_of_range' | 'too_far_behind';

/** A replay to run: `count` events in (from, head] that `matches`. */
export interface ReplayPlan {
  readonly topic: string;
  readonly from: number;
  readonly head: number;
  readonly count: number;
  readonly matches: (event: TopicEvent) => boolean;
  /** The matching events, when the whole range fit in one page. */
  readonly held: readonly TopicEvent[] | undefined;
}

export interface Replays {
  /** The log's bounds (shared until the topic moves); for cost estimates. */
  bounds(logTopic: string): Promise<EventRange>;
  /** Why `from` cannot be replayed given the log's bounds, if it cannot. */
  refusal(from: Position, range: EventRange): NotReplayable | undefined;
  /** Counts what `conn` missed since `from` (up to the head as it is now), or says why it cannot. */
  plan(conn: Connection, logTopic: string, from: Position): Promise<ReplayPlan | NotReplayable>;
  /**
   * Calls `each` for every event of the plan, in order, awaiting it; stops when `each` answers false.
   * Answers false when the log no longer holds the rest of the range (pruned meanwhile).
   */
  stream(plan: ReplayPlan, each: (event: TopicEvent) => boolean | Promise<boolean>): Promise<boolean>;
}

/**
 * Counts the matching events of a range page by page (keeping them when there is one page);
 * undefined when the log lost part of it. Only counting is work for the pacer, not waiting for a
 * page, and a range of one page never yields.
 */
async function countPages(
  pages: AsyncGenerator<readonly TopicEvent[] | undefined>,
  matches: (event: TopicEvent) => boolean,
  turn: (sinceMs: number) => Promise<void>,
  conn: Connection,
): Promise<{ count: number; held: readonly TopicEvent[] | undefined } | undefined> {
  let count = 0;
  let pagesRead = 0;
  let held: TopicEvent[] | undefined = [];
  let workedMs = 0;
  for await (const events of pages) {
    if (events === undefined) return undefined;
    pagesRead += 1;
    if (pagesRead > 1) {
      held = undefined;
      await turn(performance.now() - workedMs);
      if (conn.isClosed) break;
    }
    const started = performance.now();
    for (const e of events) {
      if (!matches(e)) continue;
      count += 1;
      held?.push(e);
    }
    workedMs = performance.now() - started;
  }
  return { count, held };
}

/**
 * `turn(sinceMs)` yields to the event loop after a page, accounting the work since `sinceMs`
 * (pacer.ts), so counting a long range shares the loop like sending it does.
 */
export function createReplays(
  log: LogReader,
  reads: TopicReads,
  recent: Pick<RecentEvents, 'since'>,
  maxReplay: number,
  turn: (sinceMs: number) => Promise<void>,
): Replays {
  const bounds = (topic: string): Promise<EventRange> => reads.share(topic, 'bounds', () => log.eventsAfter(topic, 0, 0));
  /**
   * The page after `after`: events already in the log do not change, so pages are kept across the
   * topic's moves and shared by every replay passing there; a page read when the log ended before
   * `head` is read again.
   */
  async function page(topic: string, after: number, head: number): Promise<EventRange> {
    const kept = await reads.keep(topic, `page ${after}`, () => log.eventsAfter(topic, after, PAGE));
    const last = kept.events[kept.events.length - 1];
    if (kept.events.length === PAGE || (last !== undefined && last.offset >= head)) return kept;
    return reads.share(topic, `page ${after} upto ${head}`, () => log.eventsAfter(topic, after, PAGE, head));
  }

  function refusal(from: Position, range: EventRange): NotReplayable | undefined {
    if (from.epoch !== log.epoch) return 'epoch_changed';
    if (range.floor > from.offset || from.offset > range.head) return 'out_of_range';
    // Counted in log offsets, whether or not the sweep has pruned the older ones yet.
    if (range.head - from.offset > maxReplay) return 'too_far_behind';
    return undefined;
  }

  /** Pages of (from, head], in order; undefined when the log lost part of the range. */
  async function* pages(topic: string, from: number, head: number): AsyncGenerator<readonly TopicEvent[] | undefined> {
    let after = from;
    while (after < head) {
      const range = await page(topic, after, head);
      if (range.floor > after) {
        yield undefined;
        return;
      }
      const last = range.events[range.events.length - 1];
      if (last === undefined) return;
      yield last.offset > head ? range.events.filter((e) => e.offset <= head) : range.events;
      after = last.offset;
    }
  }

  async function plan(conn: Connection, topic: string, from: Position): Promise<ReplayPlan | NotReplayable> {
    if (from.epoch !== log.epoch) return 'epoch_changed';
    // What the connection's subscriptions match now: one on `jobs:42` alone replays that job.
    const subscriptions = new Set(conn.subscriptionNames());
    const userId = conn.principal.id;
    const matches = (e: TopicEvent): boolean => audienceMatches(e, userId) && subscribedTo(subscriptions, e);
    const inMemory = recent.since(topic, from.offset);
    if (inMemory !== undefined) {
      const held = inMemory.events.filter(matches);
      return { topic, from: from.offset, head: inMemory.head, count: held.length, matches, held };
    }
    const range = await bounds(topic);
    const refused = refusal(from, range);
    if (refused !== undefined) return refused;
    const counted = await countPages(pages(topic, from.offset, range.head), matches, turn, conn);
    return counted === undefined ? 'out_of_range' : { topic, from: from.offset, head: range.head, matches, ...counted };
  }

  async function stream(plan: ReplayPlan, each: (event: TopicEvent) => boolean | Promise<boolean>): Promise<boolean> {
    // `each` answers at once when it did not wait: no await (and no turn of the loop) per event then.
    if (plan.held !== undefined) {
      for (const e of plan.held) {
        const answer = each(e);
        if (!(answer instanceof Promise ? await answer : answer)) return true;
      }
      return true;
    }
    for await (const events of pages(plan.topic, plan.from, plan.head)) {
      if (events === undefined) return false;
      for (const e of events) {
        if (!plan.matches(e)) continue;
        const answer = each(e);
        if (!(answer instanceof Promise ? await answer : answer)) return true;
      }
    }
    return true;
  }

  return {
    bounds,
    refusal,
    plan,
    stream,
  };
}
