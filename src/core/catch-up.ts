/**
 * Catch-up from the event log: after the bus lost messages (a Redis outage), every topic whose
 * committed head is past what this instance delivered is read from the store and fed to the
 * sequencer, which delivers in order and drops what it already has.
 */
import type { Store, TopicEvent } from '../store/types.js';
import type { Sequencer } from './sequencer.js';
import type { Logger } from '../shared/logger.js';

const PAGE = 500;

export interface CatchUpSource {
  heads: Store['heads'];
  eventsAfter: Store['eventsAfter'];
}

/** Feeds every committed event past the sequencer's position into it; returns how many it read. */
export async function catchUp(store: CatchUpSource, sequencer: Pick<Sequencer, 'accept' | 'position'>): Promise<number> {
  let read = 0;
  const heads = await store.heads();
  for (const [topic, head] of heads) {
    let after = sequencer.position(topic);
    while (after < head) {
      const { events } = await store.eventsAfter(topic, after, PAGE, head);
      if (events.length === 0) break;
      for (const event of events) sequencer.accept(event);
      read += events.length;
      after = (events[events.length - 1] as TopicEvent).offset;
    }
  }
  return read;
}

/**
 * Runs `catchUp` on demand, one run at a time; a request during a run schedules one more run, so
 * nothing committed before the last request is missed.
 */
export function createCatchUpRunner(run: () => Promise<unknown>, onError: (err: unknown) => void): { request(): void; idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  const loop = async (): Promise<void> => {
    do {
      again = false;
      try {
        await run();
      } catch (err) {
        onError(err);
      }
    } while (again);
    running = undefined;
  };
  return {
    request() {
      if (running !== undefined) again = true;
      else running = loop();
    },
    idle: () => running ?? Promise.resolve(),
  };
}

export interface BusRecoveryOptions {
  readonly bus: { onResync(listener: () => void): () => void };
  readonly store: CatchUpSource;
  readonly sequencer: Pick<Sequencer, 'accept' | 'position'>;
  /** Compare the log's heads with what was delivered this often; undefined = only on resync. */
  readonly intervalMs: number | undefined;
  /** Runs after a resync too: what the control channel carried meanwhile (logouts) is gone. */
  readonly onResync: () => Promise<void>;
  readonly logger: Logger;
}

/**
 * Everything the bus may drop comes back from the store: on every resync of the bus (Redis back)
 * and every `intervalMs` (a publish that failed while the subscriber stayed up).
 */
export function startBusRecovery(options: BusRecoveryOptions): { close(): Promise<void> } {
  const { logger } = options;
  const runner = createCatchUpRunner(
    async () => {
      const read = await catchUp(options.store, options.sequencer);
      if (read > 0) logger.info({ events: read }, 'caught up from the store');
    },
    (err) => logger.warn({ err }, 'catch-up from the store failed; retrying'),
  );
  const timer = options.intervalMs === undefined ? undefined : setInterval(() => runner.request(), options.intervalMs);
  timer?.unref();
  const unsubscribe = options.bus.onResync(() => {
    runner.request();
    options.onResync().catch((err: unknown) => logger.warn({ err }, 'resync follow-up failed'));
  });
  return {
    async close() {
      if (timer !== undefined) clearInterval(timer);
      unsubscribe();
      await runner.idle();
    },
  };
}
