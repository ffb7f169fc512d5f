/**
 * Follows the event log for a bus that carries offsets, not events (the PostgreSQL bus): told
 * "topic T advanced to offset N", it reads the events after the last offset it knows up to N from
 * the store and hands them on, oldest first.
 *
 * - One read loop per topic at a time; advances that arrive meanwhile only raise its target, so a
 *   burst of notifications costs one read of the whole range.
 * - `local(event)` records an event this instance published (and delivered) itself: when it is
 *   the next offset, the follower moves past it without reading it back.
 * - A read that fails is retried after `retryMs`; a range the log no longer holds (pruned) is
 *   skipped, as the sequencer does.
 */
import type { Logger } from '../shared/logger.js';
import type { Store, TopicEvent } from '../store/types.js';

const PAGE = 500;

export type EventLog = Pick<Store, 'eventsAfter' | 'heads'>;

export interface LogFollower {
  /** Starts from the log's current heads: what was committed before is not delivered. */
  start(): Promise<void>;
  advance(topic: string, offset: number): void;
  local(event: TopicEvent): void;
  /** Reads every topic up to the log's current head (after missed notifications). */
  catchUp(): Promise<void>;
  close(): void;
}

interface Follow {
  known: number;
  target: number;
  running: boolean;
}

export function createLogFollower(log: EventLog, deliver: (event: TopicEvent) => void, logger: Logger, retryMs = 1000): LogFollower {
  const topics = new Map<string, Follow>();
  let closed = false;
  const follow = (topic: string): Follow => {
    let f = topics.get(topic);
    if (f === undefined) topics.set(topic, (f = { known: 0, target: 0, running: false }));
    return f;
  };

  async function read(topic: string, f: Follow): Promise<void> {
    while (!closed && f.known < f.target) {
      const target = f.target;
      const { events } = await log.eventsAfter(topic, f.known, PAGE, target);
      if (events.length === 0) {
        // Pruned meanwhile: the sequencer skips the same hole after its gap timeout.
        f.known = Math.max(f.known, target);
        break;
      }
      for (const event of events) {
        if (closed) return;
        f.known = Math.max(f.known, event.offset);
        deliver(event);
      }
    }
  }

  function run(topic: string, f: Follow): void {
    if (f.running || closed || f.known >= f.target) return;
    f.running = true;
    read(topic, f).then(
      () => {
        f.running = false;
        run(topic, f);
      },
      (err: unknown) => {
        f.running = false;
        logger.warn({ err: err instanceof Error ? err.message : String(err), topic }, 'postgres bus: reading the event log failed; retrying');
        setTimeout(() => run(topic, f), retryMs).unref();
      },
    );
  }

  function advance(topic: string, offset: number): void {
    const f = follow(topic);
    if (offset <= f.target) return;
    f.target = offset;
    run(topic, f);
  }

  return {
    async start() {
      for (const [topic, head] of await log.heads()) {
        const f = follow(topic);
        f.known = Math.max(f.known, head);
        f.target = Math.max(f.target, head);
      }
    },
    advance,
    local(event) {
      const f = follow(event.topic);
      if (event.offset !== f.known + 1) return;
      f.known = event.offset;
      f.target = Math.max(f.target, event.offset);
    },
    async catchUp() {
      for (const [topic, head] of await log.heads()) advance(topic, head);
    },
    close() {
      closed = true;
    },
  };
}
