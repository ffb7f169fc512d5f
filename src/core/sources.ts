import type { Principal } from '../auth/principal.js';
import type { ErrorCode, Position } from '../protocol/index.js';
import type { EventRange, TopicEvent } from '../store/types.js';
import type { Extras } from './frames.js';

export interface Snapshot {
  /** Keys merged into `initial_state.data` (`notifications`, `unread_count`, …). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The log position the data reflects: every event after it is newer than the data. */
  readonly position: Position;
}

/**
 * What a connection asked to have counted (a `subscribe`'s `filters`): checked by the sources,
 * opaque to the core, which keeps it on the connection and hands it back with that connection's
 * snapshots and extras.
 */
export interface ReceiverFilters {
  /** Equal keys give one user equal extras: fan-out computes and serialises them once per (user, key). */
  readonly key: string;
  /** The log topic whose snapshot and extras they change: a change sends that topic's snapshot again. */
  readonly topic: string;
}

/** Why a `filters` option is refused: the `error` the client gets. */
export interface FiltersRefusal {
  readonly code: ErrorCode;
  readonly message: string;
}

/** What the hub needs from the services and the store: snapshots, the log, per-receiver extras. */
export interface TopicSources {
  readonly epoch: string;
  /**
   * `scope`: the entity ids to cover (see snapshotScope in topics.ts); undefined for the whole topic.
   * `filters`: the connection's, when it named any.
   */
  snapshot(logTopic: string, principal: Principal, scope?: readonly string[], filters?: ReceiverFilters): Promise<Snapshot>;
  /** Events in (after, upto], at most `limit`, oldest first, with the log's bounds (`limit` 0: the bounds only). */
  eventsAfter(logTopic: string, after: number, limit: number, upto?: number): Promise<EventRange>;
  /** Fields added to an event's frame for one receiver, e.g. their `unread_count`; `filters` as for `snapshot`. */
  extras(event: TopicEvent, principal: Principal, filters?: ReceiverFilters): Extras | Promise<Extras>;
  /** A non-empty `filters` option checked (absent: the hub refuses every one). */
  checkFilters?(raw: Readonly<Record<string, unknown>>): ReceiverFilters | FiltersRefusal;
}
