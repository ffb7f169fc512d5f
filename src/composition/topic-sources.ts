/**
 * Which service answers for which log topic: the hub's `TopicSources` (snapshots, log reads and
 * per-user extras) built from the services. Domain glue the composition root only wires.
 */
import type { Extras, ReceiverFilters, TopicSources } from '../core/index.js';
import type { InventoryService } from '../services/inventory.js';
import { INVENTORY_TOPIC } from '../services/inventory.js';
import { JOBS_TOPIC, type JobService } from '../services/jobs.js';
import { NOTIFICATIONS_TOPIC, type NotificationService } from '../services/notifications.js';
import type { InboxCounts } from '../services/inbox-counts.js';
import { countsByName, parseNamedFilters, TAB_FILTERS, type NamedFilters, type NamedFiltersLimits } from '../services/named-filters.js';
import type { Store } from '../store/types.js';

export interface TopicSourceDeps {
  readonly store: Store;
  readonly notifications: NotificationService;
  readonly inventory: InventoryService;
  readonly jobs: JobService;
  /** Unread counts per (user, filter): `unread_count` and `filter_counts`. */
  readonly counts: InboxCounts;
  /** What a connection's `filters` option may ask for. */
  readonly filterLimits: NamedFiltersLimits;
  /** Notifications in an `initial_state` (INITIAL_STATE_LIMIT). */
  readonly initialStateLimit: number;
  /** Jobs in a `jobs` snapshot. */
  readonly jobsSnapshotLimit: number;
}

/** A notification frame's extras from the counts of `asked` (the unread count first). */
function countExtras(asked: NamedFilters, held: readonly number[]): Extras {
  return { unread_count: held[0] ?? 0, filter_counts: countsByName(asked, held) };
}

function sameCounts(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

export function createTopicSources(deps: TopicSourceDeps): TopicSources {
  const { store, notifications, inventory, jobs, counts } = deps;
  /** The named filters behind each connection's opaque ReceiverFilters (dropped with the connection's). */
  const named = new WeakMap<ReceiverFilters, NamedFilters>();
  const namedOf = (filters: ReceiverFilters | undefined): NamedFilters => (filters === undefined ? undefined : named.get(filters)) ?? TAB_FILTERS;
  /**
   * The extras last answered, answered again (the same object) while the same user's counts of the
   * same filters are unchanged: a catch-up asks once per frame, and the frame cache serialises an
   * extras object once (frames.ts), so a replay of N frames builds and serialises its extras once.
   * Plain variables, not a record: a fan-out to many users replaces them once per user and event.
   */
  let lastUser: string | undefined;
  let lastAsked: NamedFilters | undefined;
  let lastHeld: readonly number[] = [];
  let lastExtras: Extras;
  function heldExtras(user: string, asked: NamedFilters, held: readonly number[]): Extras {
    if (user === lastUser && asked === lastAsked && sameCounts(lastHeld, held)) return lastExtras;
    lastUser = user;
    lastAsked = asked;
    lastHeld = held;
    lastExtras = countExtras(asked, held);
    return lastExtras;
  }

  return {
    epoch: store.epoch,
    async snapshot(logTopic, principal, scope, filters) {
      if (logTopic === NOTIFICATIONS_TOPIC) {
        const asked = namedOf(filters);
        const snap = await notifications.snapshot(
          principal,
          deps.initialStateLimit,
          asked.counted.slice(1).map((f) => f.filter),
        );
        const { notifications: list, unread_count: unread } = snap.data;
        const all = [unread, ...snap.data.counts];
        counts.remember(principal.id, asked.counted, all, snap.position.offset);
        return { data: { notifications: list, unread_count: unread, filter_counts: countsByName(asked, all) }, position: snap.position };
      }
      if (logTopic === INVENTORY_TOPIC) return inventory.snapshot(scope);
      if (logTopic === JOBS_TOPIC) return jobs.snapshot(deps.jobsSnapshotLimit);
      return store.read(async (tx) => ({ data: {}, position: await tx.position(logTopic) }));
    },
    eventsAfter: (logTopic, after, limit, upto) => store.eventsAfter(logTopic, after, limit, upto),
    extras(event, principal, filters) {
      if (event.topic !== NOTIFICATIONS_TOPIC) return undefined;
      const asked = namedOf(filters);
      // Held counts answer at once (no closure, no promise): a catch-up sends its frames without a turn of the loop each.
      const held = counts.get(principal.id, asked.counted);
      return Array.isArray(held) ? heldExtras(principal.id, asked, held) : held.then((loaded) => countExtras(asked, loaded));
    },
    checkFilters(raw) {
      const parsed = parseNamedFilters(raw, deps.filterLimits);
      if (!('names' in parsed)) return parsed;
      const filters: ReceiverFilters = { key: parsed.key, topic: NOTIFICATIONS_TOPIC };
      named.set(filters, parsed);
      return filters;
    },
  };
}
