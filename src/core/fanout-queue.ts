/**
 * Committed events into fan-out, one fan-out after another, so each topic's frames leave in offset
 * order (and every topic's in the order the events came).
 *
 * Without a batch window, events that arrive while the fan-outs before them have not started join
 * the last one queued when it is of their topic: a group commit hands over its writes' events in
 * one turn (sixteen POSTs in flight: sixteen events), and their fan-out asks each receiver once
 * instead of sixteen times and hands its socket the frames in one call (`sendEach`). Nothing
 * waits for this: a fan-out starts as soon as the one before it is done, as it always did, and a
 * lone event is a group of one. Receivers get the same frames, each event's own, in the same order.
 *
 * With a batch window (`windowMs` > 0) events of a topic arriving within it are grouped by the
 * batcher and each receiver gets its share as one `batch` frame (batcher.ts).
 */
import type { Logger } from '../shared/logger.js';
import type { TopicEvent } from '../store/types.js';
import { createBatcher } from './batcher.js';
import type { Fanout } from './delivery.js';

/** Most events in one group, with or without a batch window (a batch frame holds at most this many). */
const MAX_GROUP_EVENTS = 256;

export interface FanoutQueue {
  add(event: TopicEvent): void;
  /** Shutdown: with a batch window, its open groups are dropped; queued fan-outs still run. */
  close(): void;
}

export interface FanoutQueueOptions {
  readonly windowMs: number;
  readonly maxEvents?: number;
}

export function createFanoutQueue(fanout: Fanout, logger: Logger, batch: FanoutQueueOptions | undefined): FanoutQueue {
  let chain: Promise<void> = Promise.resolve();
  const maxEvents = batch?.maxEvents ?? MAX_GROUP_EVENTS;
  /** The last group queued, while its fan-out has not started: later events of its topic join it. */
  let open: TopicEvent[] | undefined;

  const enqueue = (events: readonly TopicEvent[]): void => {
    chain = chain
      .then(() => {
        if (open === events) open = undefined;
        return fanout(events);
      })
      .catch((err: unknown) => {
        const first = events[0] as TopicEvent;
        logger.error({ err, topic: first.topic, offset: first.offset }, 'fan-out failed');
      });
  };

  if (batch !== undefined && batch.windowMs > 0) {
    const batcher = createBatcher({ windowMs: batch.windowMs, maxEvents, flush: enqueue });
    return { add: (event) => batcher.add(event), close: () => batcher.close() };
  }
  return {
    add(event) {
      // Joins only after a lower offset of its topic: a repeated event fans out alone, as before (the receivers skip it).
      const last = open?.[open.length - 1];
      if (open !== undefined && last !== undefined && open.length < maxEvents && last.topic === event.topic && last.offset < event.offset) {
        open.push(event);
        return;
      }
      open = [event];
      enqueue(open);
    },
    close() {
      // What is queued still goes out (the connections are closed after it); nothing joins it.
      open = undefined;
    },
  };
}
