/**
 * The pieces hub tests with a fake store share (test/core/resume-ring, resync): a socket that
 * records frames, notification events, the hub's limits with a ring of recent events, and a way
 * to let queued syncs run.
 */
import type { HubLimits, HubSocket } from '../../src/core/index.js';
import type { Logger } from '../../src/shared/logger.js';
import type { EventRange, TopicEvent } from '../../src/store/types.js';

export const EPOCH = 'e1';

export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class FakeSocket implements HubSocket {
  readonly frames: (string | Buffer)[] = [];
  bufferedAmount = 0;
  /** How many frames each send call carried, in order (sendEach: several). */
  readonly calls: number[] = [];
  send(frame: string | Buffer): void {
    this.frames.push(frame);
    this.calls.push(1);
  }
  sendEach(frames: readonly Buffer[]): void {
    this.frames.push(...frames);
    this.calls.push(frames.length);
  }
  close(): void {}
  whenDrained(): Promise<void> {
    return Promise.resolve();
  }
  messages(): Record<string, unknown>[] {
    return this.frames.map((f) => JSON.parse(f.toString()) as Record<string, unknown>);
  }
  /** The offsets of the `notification` frames, in the order sent. */
  offsets(): unknown[] {
    return this.messages()
      .filter((m) => m.type === 'notification')
      .map((m) => m.offset);
  }
}

/** A `notifications` event at `offset`, for everyone (`audience` null) or one user. */
export function notificationEvent(offset: number, audience: string | null = null): TopicEvent {
  return {
    topic: 'notifications',
    offset,
    epoch: EPOCH,
    type: 'notification',
    action: 'created',
    data: { id: `n${offset}`, title: `event ${offset}` },
    audience,
    keys: [],
    at: new Date().toISOString(),
  };
}

/** The limits these tests run the hub under, with a ring of `ringEvents` recent events. */
export function hubLimits(ringEvents: number): HubLimits {
  return {
    maxConnections: 100,
    maxSubscriptions: 10,
    maxBufferedBytes: 1 << 20,
    maxReplay: 1000,
    maxQueuedSyncs: 8,
    costPerConnection: 0,
    costWindowMs: 1000,
    replayStallMs: 1000,
    recent: { maxEvents: ringEvents, maxBytes: 1 << 20, maxAgeMs: 3_600_000 },
  };
}

/** Lets queued snapshots, resumes and fan-outs run (a few turns of the event loop). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** `TopicSources.eventsAfter` over an in-memory log (every event of one topic, offsets from 1). */
export function eventsIn(log: readonly TopicEvent[], after: number, limit: number, upto?: number): Promise<EventRange> {
  const events = log.filter((e) => e.offset > after && (upto === undefined || e.offset <= upto)).slice(0, limit);
  return Promise.resolve({ floor: 0, head: log.length, events });
}
