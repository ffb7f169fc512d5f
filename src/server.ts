/**
 * The composition root: the only file that picks the concrete store, bus and authenticator.
 * Everything started here is stopped by `close()` in reverse order.
 * The concrete store, bus and authenticator come from wiring.ts.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { Logger as PinoLogger } from 'pino';
import type { Authenticator } from './auth/authenticator.js';
import { createUserBudget } from './auth/budgets.js';
import { createOriginPolicy } from './auth/origin.js';
import type { Bus } from './bus/types.js';
import type { Config } from './config.js';
import { createHub, createRunnerGate, createSequencer, startBusRecovery, type Hub } from './core/index.js';
import { buildApp } from './http/app.js';
import { capHttpServer } from './http/connection-cap.js';
import { createLogger } from './http/log.js';
import { createMetrics } from './http/metrics.js';
import { createWsEndpoint } from './http/ws.js';
import { startMaintenance } from './composition/maintenance.js';
import { startSessionRevocation } from './composition/session-revocation.js';
import { createTopicSources } from './composition/topic-sources.js';
import { CloseCode } from './protocol/index.js';
import { seedDemoData, seedDemoInventory } from './services/demo.js';
import { createInventoryService, type InventoryService, type Notify } from './services/inventory.js';
import { createJobRunner } from './services/job-runner.js';
import { builtinJobTypes } from './services/job-types.js';
import { createJobService, JOBS_TOPIC, type JobService } from './services/jobs.js';
import { createNotificationService, NOTIFICATIONS_TOPIC, type NotificationService } from './services/notifications.js';
import { createUnreadCounts } from './services/unread-counts.js';
import { createSimulator, type Simulator } from './services/simulator.js';
import { createWriter } from './services/tx.js';
import type { Store } from './store/types.js';
import { createAuth, jobRunnerElection, metricsSource, openBus, openStore } from './wiring.js';

export interface Server {
  readonly app: FastifyInstance;
  readonly hub: Hub;
  readonly store: Store;
  readonly bus: Bus;
  readonly notificationService: NotificationService;
  readonly inventoryService: InventoryService;
  readonly jobService: JobService;
  readonly logger: PinoLogger;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Graceful stop: refuse new work, close sockets with 1001 in batches, finish requests, close the store. */
  close(): Promise<void>;
}

export interface ServerOverrides {
  readonly logger?: PinoLogger;
  /** Replaces the configured authenticator (tests that need several users before real auth exists). */
  readonly authenticator?: Authenticator;
  readonly now?: () => Date;
  /** Minimum time between JWKS refetches on an unknown `kid` (tests shorten it). */
  readonly jwksCooldownMs?: number;
}

/** With a Redis or PostgreSQL bus, how often each instance compares the store's heads with what it delivered. */
const CATCH_UP_INTERVAL_MS = 2_000;
const LEADER_RETRY_MS = 2_000;

export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<Server> {
  const logger = overrides.logger ?? createLogger({ debug: config.debug });
  const now = overrides.now ?? (() => new Date());
  if (config.auth.mode === 'dev') logger.warn({}, 'development auth is on: every request and socket is dev-user (AUTH_ENABLED=false, ALLOW_DEV_AUTH=true)');

  const store = await openStore(config, now, logger);
  let opened: Awaited<ReturnType<typeof openBus>>;
  try {
    opened = await openBus(config, logger, store);
  } catch (err) {
    await store.close();
    throw err;
  }
  const { bus, shared } = opened;
  const crossInstance = opened.kind === 'redis' || opened.kind === 'postgres';
  const notificationService = createNotificationService({
    store,
    bus,
    logger,
    now,
    retention: { maxCount: config.retention.notificationsMaxCount, maxAgeDays: config.retention.notificationsMaxAgeDays },
  });

  const write = createWriter(store, bus);
  const notify: Notify = (ctx, input) => notificationService.raise(ctx, input);
  const inventoryService = createInventoryService({ store, write, notify, now });
  const registry = builtinJobTypes();
  // One runner per database, on the elected process (see core/leader.ts).
  const runner = await createRunnerGate({
    election: await jobRunnerElection(config),
    create: () => createJobRunner({ write, registry, inventory: inventoryService.mutations, notify, tickMs: config.jobs.tickMs, logger, now }),
    jobsTopic: JOBS_TOPIC,
    retryMs: LEADER_RETRY_MS,
    logger,
  });
  const jobService = createJobService({ store, write, registry, now, onCreated: (id) => runner.enqueue(id) });

  const unread = createUnreadCounts({ maxUsers: config.limits.unreadCountCacheUsers, load: (user) => notificationService.unreadCountAt(user) });
  const sources = createTopicSources({
    store,
    notifications: notificationService,
    inventory: inventoryService,
    jobs: jobService,
    unread,
    initialStateLimit: config.limits.initialStateLimit,
    jobsSnapshotLimit: config.jobs.snapshotLimit,
  });

  const metrics = createMetrics();
  new Gauge({
    name: 'aether_job_runner_leader',
    help: '1 when this process runs the jobs (one process per database does)',
    registers: [metrics.registry],
    collect() {
      this.set(runner.isLeader() ? 1 : 0);
    },
  });
  const hub = createHub({
    sources,
    logger,
    now,
    observer: metrics.observer,
    budget: createUserBudget({ ...config.limits.costs, ...(shared === undefined ? {} : { shared: shared.limits }) }),
    batch: { windowMs: config.realtime.wsBatchWindowMs },
    limits: {
      maxConnections: config.limits.wsMaxConnections,
      maxSubscriptions: config.limits.wsMaxSubscriptions,
      maxBufferedBytes: config.limits.wsMaxBufferedBytes,
      maxReplay: config.retention.eventLogMaxPerTopic,
      maxQueuedSyncs: config.limits.costs.maxQueued,
      costPerConnection: config.limits.costs.perConnection,
      costWindowMs: config.limits.costs.windowSec * 1000,
      replayStallMs: config.limits.costs.replayStallMs,
    },
  });
  const sequencer = createSequencer({
    heads: await store.heads(),
    gapTimeoutMs: 200,
    logger,
    deliver: (event) => {
      if (event.topic === NOTIFICATIONS_TOPIC) unread.observe(event);
      hub.deliver(event);
      runner.observe(event);
    },
    fetch: async (topic, after, upto) => (await store.eventsAfter(topic, after, upto - after, upto)).events,
  });
  const unsubscribe = bus.subscribe((event) => sequencer.accept(event));

  if (config.dummyData) {
    await seedDemoData(notificationService, logger);
    await seedDemoInventory(inventoryService, logger);
  }
  let simulator: Simulator | undefined;
  if (config.dummyData && config.jobs.simulatorIntervalMs > 0) {
    simulator = createSimulator({ inventory: inventoryService, jobs: jobService, logger, intervalMs: config.jobs.simulatorIntervalMs });
  }

  const auth = createAuth(config, store, now, overrides.jwksCooldownMs, shared);
  const authenticator = overrides.authenticator ?? auth.authenticator;
  const origins = createOriginPolicy({ allowedOrigins: config.allowedOrigins, publicUrl: config.publicUrl, guardHost: config.auth.mode === 'dev' });
  const sessions = startSessionRevocation({ hub, bus, store });
  // Whatever the bus dropped (a Redis outage, a failed publish) is read back from the store.
  const recovery = startBusRecovery({
    bus,
    store,
    sequencer,
    intervalMs: crossInstance ? CATCH_UP_INTERVAL_MS : undefined,
    onResync: () => sessions.revalidate(),
    logger,
  });
  let closing = false;
  const app = await buildApp({
    logger,
    authenticator,
    origins,
    ...(auth.routes === undefined
      ? {}
      : {
          auth: {
            ...auth.routes,
            onLogout: (sessionId: string) => sessions.revoke(sessionId, 'signed out'),
          },
        }),
    notifications: notificationService,
    inventory: inventoryService,
    jobs: jobService,
    bodyLimitBytes: config.limits.restBodyLimitBytes,
    jsonMaxDepth: config.limits.restJsonMaxDepth,
    ready: async () => ({ store: !closing && (await storeReachable(store)), bus: !closing && bus.ready() }),
    // Without its bus an instance still serves everything; events from other instances come from the
    // store within CATCH_UP_INTERVAL_MS. Failing readiness then would take every instance out at once.
    degradable: crossInstance ? ['bus'] : [],
    metrics: metricsSource(metrics.registry),
    metricsAccess: config.metrics,
    serveSourceMaps: config.auth.mode === 'dev',
  });
  // Before listen: Node reads the connection checking interval when listening starts.
  metrics.bind({ hub, eventLogSize: () => store.eventCount(), http: capHttpServer(app.server, config.http) });
  const ws = createWsEndpoint({
    server: app.server,
    hub,
    authenticator,
    origins,
    limits: auth.limits,
    authTimeoutMs: config.limits.wsAuthTimeoutMs,
    preauthMaxBytes: config.limits.wsPreauthMaxBytes,
    authCheckTimeoutMs: config.limits.wsAuthCheckTimeoutMs,
    maxMessageBytes: config.limits.wsMaxMessageBytes,
    logger,
    debug: config.debug,
    maxPayloadBytes: config.limits.wsMaxPayloadBytes,
    pingIntervalMs: config.limits.wsPingIntervalMs,
    pongTimeoutMs: config.limits.wsPongTimeoutMs,
    connectRatePerSecond: config.limits.wsMaxConnectRate,
    onRefused: (reason) => metrics.observer.refused(reason),
    compression: config.realtime.wsCompression ? { thresholdBytes: config.realtime.wsCompressionThresholdBytes } : undefined,
  });

  const maintenance = await startMaintenance({
    config,
    store,
    hub,
    notifications: notificationService,
    jobs: jobService,
    inventory: inventoryService,
    sweepSessions: auth.sessions?.sweep.bind(auth.sessions),
    revoke: (sessionId, reason) => sessions.revoke(sessionId, reason),
    logger,
    now,
  });

  return {
    app,
    hub,
    store,
    bus,
    notificationService,
    inventoryService,
    jobService,
    logger,
    async listen() {
      await app.listen({ host: config.host, port: config.port, backlog: config.listenBacklog });
      const port = (app.server.address() as AddressInfo).port;
      logger.info({ host: config.host, port }, `Aether-V realtime listening on http://${config.host}:${port} (WebSocket at /ws)`);
      return port;
    },
    async close() {
      if (closing) return;
      closing = true;
      maintenance.close();
      await simulator?.close();
      await runner.close();
      await ws.close();
      await hub.drain(CloseCode.GOING_AWAY, 'server shutting down; reconnect and resume');
      const timeout = setTimeout(() => logger.warn({}, 'shutdown timeout reached; forcing close'), config.shutdownTimeoutMs);
      await app.close();
      clearTimeout(timeout);
      unsubscribe();
      sessions.close();
      await recovery.close();
      sequencer.close();
      await bus.close();
      await store.close();
    },
  };
}

/** Whether the store answers a query now. */
async function storeReachable(store: Store): Promise<boolean> {
  try {
    await store.read((tx) => tx.position('readyz'));
    return true;
  } catch {
    return false;
  }
}
