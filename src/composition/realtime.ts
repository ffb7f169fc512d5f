/**
 * The real-time path inside one process: the hub (its topic sources, the users' cost budgets and
 * its limits), the sequencer that takes the bus's events back into offset order and delivers each
 * to the unread and tab counts, the hub and the job runner, the recovery that reads back from the store
 * whatever the bus dropped, session revocation and presence across instances.
 */
import type { Logger as PinoLogger } from 'pino';
import { createUserBudget } from '../auth/budgets.js';
import type { Config } from '../config.js';
import { createHub, createSequencer, startBusRecovery, type Hub, type HubLimits, type HubObserver } from '../core/index.js';
import { NOTIFICATIONS_TOPIC } from '../services/notifications.js';
import { createInboxCounts, type InboxCounts } from '../services/inbox-counts.js';
import type { Services } from './services.js';
import { startPresence, type ClusterPresence } from './presence.js';
import { startSessionRevocation, type SessionRevocation } from './session-revocation.js';
import type { StoreAndBus } from './store-and-bus.js';
import { createTopicSources } from './topic-sources.js';

/** With a Redis or PostgreSQL bus, how often each instance compares the store's heads with what it delivered. */
export const CATCH_UP_INTERVAL_MS = 2_000;
/** How long the sequencer waits for a missing offset before it reads it from the store. */
const GAP_TIMEOUT_MS = 200;

export interface Realtime {
  readonly hub: Hub;
  readonly sessions: SessionRevocation;
  /** The other live instances, as presence knows them (the admin API's scatter waits for no one else). */
  peers(): readonly string[];
  /**
   * Stops taking events from the bus, then session revocation, the recovery and the sequencer.
   * The hub's sockets are the edge's to drain, before this.
   */
  close(): Promise<void>;
}

export interface RealtimeDeps {
  readonly config: Config;
  readonly parts: StoreAndBus;
  readonly services: Services;
  readonly observer: HubObserver;
  readonly logger: PinoLogger;
  readonly now: () => Date;
  /** This instance's name on the bus (presence and the admin API). */
  readonly instanceId: string;
}

/** Starts the hub and subscribes its sequencer to the bus: from here on, committed events are delivered. */
export async function startRealtime(deps: RealtimeDeps): Promise<Realtime> {
  const { config, logger, services } = deps;
  const { store, bus } = deps.parts;
  const counts = createInboxCounts({
    maxUsers: config.limits.unreadCountCacheUsers,
    maxFiltersPerUser: config.limits.unreadCountFiltersPerUser,
    load: (user, filters) => services.notifications.filterCountsAt(user, filters),
  });
  const presence = startPresence({ bus, config: config.presence, logger, instanceId: deps.instanceId });
  const hub = createRealtimeHub(deps, counts, presence);
  const sequencer = createSequencer({
    heads: await store.heads(),
    gapTimeoutMs: GAP_TIMEOUT_MS,
    logger,
    deliver: (event) => {
      if (event.topic === NOTIFICATIONS_TOPIC) counts.observe(event);
      hub.deliver(event);
      services.runner.observe(event);
    },
    fetch: async (topic, after, upto) => (await store.eventsAfter(topic, after, upto - after, upto)).events,
  });
  const unsubscribe = bus.subscribe((event) => sequencer.accept(event));
  const sessions = startSessionRevocation({ hub, bus, store });
  // Whatever the bus dropped (a Redis outage, a failed publish) is read back from the store.
  const recovery = startBusRecovery({
    bus,
    store,
    sequencer,
    intervalMs: deps.parts.crossInstance ? CATCH_UP_INTERVAL_MS : undefined,
    onResync: () => sessions.revalidate(),
    logger,
  });
  return {
    hub,
    sessions,
    peers: () => presence.peers(),
    async close() {
      unsubscribe();
      presence.close();
      sessions.close();
      await recovery.close();
      sequencer.close();
    },
  };
}

function createRealtimeHub(deps: RealtimeDeps, counts: InboxCounts, presence: ClusterPresence): Hub {
  const { config, services } = deps;
  const { store, shared } = deps.parts;
  return createHub({
    sources: createTopicSources({
      store,
      notifications: services.notifications,
      inventory: services.inventory,
      jobs: services.jobs,
      counts,
      filterLimits: { maxFilters: config.limits.wsCountFilters, maxBytes: config.limits.wsCountFiltersMaxBytes },
      initialStateLimit: config.limits.initialStateLimit,
      jobsSnapshotLimit: config.jobs.snapshotLimit,
    }),
    logger: deps.logger,
    now: deps.now,
    observer: deps.observer,
    budget: createUserBudget({ ...config.limits.costs, ...(shared === undefined ? {} : { shared: shared.limits }) }),
    batch: { windowMs: config.realtime.wsBatchWindowMs },
    limits: hubLimits(config),
    presence: { directory: presence, maxTopicsPerConnection: config.presence.maxTopicsPerConnection, maxTopicsPerUser: config.presence.maxTopicsPerUser },
  });
}

function hubLimits(config: Config): HubLimits {
  return {
    maxConnections: config.limits.wsMaxConnections,
    maxSubscriptions: config.limits.wsMaxSubscriptions,
    maxBufferedBytes: config.limits.wsMaxBufferedBytes,
    maxReplay: config.retention.eventLogMaxPerTopic,
    maxQueuedSyncs: config.limits.costs.maxQueued,
    costPerConnection: config.limits.costs.perConnection,
    costWindowMs: config.limits.costs.windowSec * 1000,
    replayStallMs: config.limits.costs.replayStallMs,
    recent: {
      maxEvents: config.realtime.resumeRingEvents,
      maxBytes: config.realtime.resumeRingBytes,
      maxAgeMs: config.retention.eventLogMaxAgeHours * 3_600_000,
    },
  };
}
