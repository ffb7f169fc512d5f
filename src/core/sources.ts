import type { Principal } from '../auth/principal.js';
import type { Position } from '../protocol/index.js';
import type { EventRange, TopicEvent } from '../store/types.js';
import type { Extras } from './frames.js';

export interface Snapshot {
  /** Keys merged into `initial_state.data` (`notifications`, `unread_count`, …). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The log position the data reflects: every event after it is newer than the data. */
  readonly position: Position;
}

/** What the hub needs from the services and the store: snapshots, the log, per-receiver extras. */
export interface TopicSources {
  readonly epoch: string;
  /** `scope`: the entity ids to cover (see snapshotScope in topics.ts); undefined for the whole topic. */
  snapshot(logTopic: string, principal: Principal, scope?: readonly string[]): Promise<Snapshot>;
  /** Events in (after, upto], at most `limit`, oldest first, with the log's bounds (`limit` 0: the bounds only). */
  eventsAfter(logTopic: string, after: number, limit: number, upto?: number): Promise<EventRange>;
  /** Fields added to an event's frame for one receiver, e.g. their `unread_count`. */
  extras(event: TopicEvent, principal: Principal): Promise<Extras>;
}
