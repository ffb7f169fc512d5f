/**
 * Which service answers for which log topic: the hub's `TopicSources` (snapshots, log reads and
 * per-user extras) built from the services. Domain glue the composition root only wires.
 */
import type { TopicSources } from '../core/index.js';
import type { InventoryService } from '../services/inventory.js';
import { INVENTORY_TOPIC } from '../services/inventory.js';
import { JOBS_TOPIC, type JobService } from '../services/jobs.js';
import { NOTIFICATIONS_TOPIC, type NotificationService } from '../services/notifications.js';
import type { UnreadCounts } from '../services/unread-counts.js';
import type { FilterCounts, FilterCountsRecord } from '../services/filter-counts.js';
import { TAB_NAMES } from '../services/filter-counts.js';
import type { Store } from '../store/types.js';

export interface TopicSourceDeps {
  readonly store: Store;
  readonly notifications: NotificationService;
  readonly inventory: InventoryService;
  readonly jobs: JobService;
  readonly unread: UnreadCounts;
  /** The tabs' unread counts per user (`filter_counts`). */
  readonly filterCounts: FilterCounts;
  /** Notifications in an `initial_state` (INITIAL_STATE_LIMIT). */
  readonly initialStateLimit: number;
  /** Jobs in a `jobs` snapshot. */
  readonly jobsSnapshotLimit: number;
}

export function createTopicSources(deps: TopicSourceDeps): TopicSources {
  const { store, notifications, inventory, jobs, unread } = deps;
  return {
    epoch: store.epoch,
    async snapshot(logTopic, principal, scope) {
      if (logTopic === NOTIFICATIONS_TOPIC) {
        const snap = await notifications.snapshot(principal, deps.initialStateLimit);
        unread.remember(principal.id, snap.data.unread_count, snap.position.offset);
        deps.filterCounts.remember(principal.id, snap.data.filter_counts, snap.position.offset);
        const filterCounts: FilterCountsRecord = Object.fromEntries(TAB_NAMES.map((name, i) => [name, snap.data.filter_counts[i] ?? 0]));
        return { data: { ...snap.data, filter_counts: filterCounts }, position: snap.position };
      }
      if (logTopic === INVENTORY_TOPIC) return inventory.snapshot(scope);
      if (logTopic === JOBS_TOPIC) return jobs.snapshot(deps.jobsSnapshotLimit);
      return store.read(async (tx) => ({ data: {}, position: await tx.position(logTopic) }));
    },
    eventsAfter: (logTopic, after, limit, upto) => store.eventsAfter(logTopic, after, limit, upto),
    async extras(event, principal) {
      if (event.topic !== NOTIFICATIONS_TOPIC) return undefined;
      const [count, filterCounts] = await Promise.all([unread.get(principal.id), deps.filterCounts.get(principal.id)]);
      return { unread_count: count, filter_counts: filterCounts };
    },
  };
}
