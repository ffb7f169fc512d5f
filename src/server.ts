/**
 * The composition root: the only file that picks the concrete store, bus and authenticator.
 * Everything started here is stopped by `close()` in reverse order.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Authenticator } from './auth/authenticator.js';
import { createDevAuthenticator } from './auth/dev.js';
import { createMemoryBus } from './bus/memory.js';
import type { Bus } from './bus/types.js';
import type { Config } from './config.js';
import { createHub, type Hub } from './core/hub.js';
import { createSequencer } from './core/sequencer.js';
import type { TopicSources } from './core/sources.js';
import { buildApp } from './http/app.js';
import { createLogger } from './http/log.js';
import { createWsEndpoint } from './http/ws.js';
import { CloseCode } from './protocol/index.js';
import { seedDemoData, seedDemoInventory } from './services/demo.js';
import { createInventoryService, INVENTORY_TOPIC, type InventoryService, type Notify } from './services/inventory.js';
import { createJobRunner } from './services/job-runner.js';
import { builtinJobTypes } from './services/job-types.js';
import { createJobService, JOBS_TOPIC, type JobService } from './services/jobs.js';
import { createNotificationService, NOTIFICATIONS_TOPIC, type NotificationService } from './services/notifications.js';
import { createSimulator, type Simulator } from './services/simulator.js';
import { createWriter } from './services/tx.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';

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
}

export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<Server> {
  const logger = overrides.logger ?? createLogger({ debug: config.debug });
  const now = overrides.now ?? (() => new Date());
  if (config.auth.mode === 'dev') logger.warn({}, 'development auth is on: every request and socket is dev-user (AUTH_ENABLED=false, ALLOW_DEV_AUTH=true)');

  const store = await openSqliteStore({ file: config.database.file, eventLogMaxPerTopic: config.retention.eventLogMaxPerTopic, now });
  const bus = createMemoryBus();
  const notificationService = createNotificationService({
    store,
    bus,
    logger,
    now,
    retention: { maxCount: config.retention.notificationsMaxCount, maxAgeDays: config.retention.notificationsMaxAgeDays },
  });

  const write = createWriter(store, bus, logger);
  const notify: Notify = (input) => notificationService.createNotification(input);
  const inventoryService = createInventoryService({ store, write, notify, now });
  const registry = builtinJobTypes();
  const runner = createJobRunner({ write, registry, inventory: inventoryService.mutations, notify, tickMs: config.jobs.tickMs, logger, now });
  const jobService = createJobService({ store, write, registry, now, onCreated: (id) => runner.enqueue(id) });

  const sources: TopicSources = {
    epoch: store.epoch,
    async snapshot(logTopic, principal) {
      if (logTopic === NOTIFICATIONS_TOPIC) return notificationService.snapshot(principal, config.limits.initialStateLimit);
      if (logTopic === INVENTORY_TOPIC) return inventoryService.snapshot();
      if (logTopic === JOBS_TOPIC) return jobService.snapshot(config.jobs.snapshotLimit);
      return store.read(async (tx) => ({ data: {}, position: await tx.position(logTopic) }));
    },
    eventsAfter: (logTopic, after, limit) => store.eventsAfter(logTopic, after, limit),
    async extras(event, principal) {
      if (event.topic !== NOTIFICATIONS_TOPIC) return undefined;
      return { unread_count: await notificationService.unreadCount(principal.id) };
    },
  };

  const hub = createHub({
    sources,
    logger,
    now,
    batch: { windowMs: config.realtime.wsBatchWindowMs },
    limits: {
      maxConnections: config.limits.wsMaxConnections,
      maxSubscriptions: config.limits.wsMaxSubscriptions,
      maxMessageBytes: config.limits.wsMaxMessageBytes,
      maxBufferedBytes: config.limits.wsMaxBufferedBytes,
      maxReplay: config.retention.eventLogMaxPerTopic,
    },
  });
  const sequencer = createSequencer({
    heads: await store.heads(),
    gapTimeoutMs: 200,
    logger,
    deliver: (event) => hub.deliver(event),
    fetch: async (topic, after, upto) => (await store.eventsAfter(topic, after, upto - after, upto)).events,
  });
  const unsubscribe = bus.subscribe((event) => sequencer.accept(event));

  if (config.dummyData) {
    await seedDemoData(notificationService, logger);
    await seedDemoInventory(inventoryService, logger);
  }
  await runner.start();
  const staleAfterMs = config.jobs.hostStaleAfterMs;
  const staleCheck =
    staleAfterMs > 0
      ? setInterval(() => {
          inventoryService
            .markStale(new Date(now().getTime() - staleAfterMs).toISOString())
            .then((ids) => ids.length > 0 && logger.warn({ hosts: ids }, 'hosts stopped reporting; marked disconnected'))
            .catch((err: unknown) => logger.error({ err }, 'stale host check failed'));
        }, Math.max(50, Math.min(10_000, Math.floor(staleAfterMs / 2))))
      : undefined;
  staleCheck?.unref();
  let simulator: Simulator | undefined;
  if (config.dummyData && config.jobs.simulatorIntervalMs > 0) {
    simulator = createSimulator({ inventory: inventoryService, jobs: jobService, logger, intervalMs: config.jobs.simulatorIntervalMs });
  }

  const authenticator = overrides.authenticator ?? createDevAuthenticator();
  let closing = false;
  const app = await buildApp({
    logger,
    authenticator,
    notifications: notificationService,
    inventory: inventoryService,
    jobs: jobService,
    bodyLimitBytes: config.limits.restBodyLimitBytes,
    ready: async () => ({ store: !closing, bus: !closing }),
  });
  const ws = createWsEndpoint({
    server: app.server,
    hub,
    authenticator,
    logger,
    debug: config.debug,
    maxPayloadBytes: config.limits.wsMaxPayloadBytes,
    pingIntervalMs: config.limits.wsPingIntervalMs,
    pongTimeoutMs: config.limits.wsPongTimeoutMs,
    compression: config.realtime.wsCompression ? { thresholdBytes: config.realtime.wsCompressionThresholdBytes } : undefined,
  });

  const sweep = async (): Promise<void> => {
    await notificationService.sweep();
    const removedJobs = await jobService.sweep(new Date(now().getTime() - config.jobs.retentionDays * 86_400_000).toISOString());
    if (removedJobs > 0) logger.info({ removed: removedJobs }, 'job retention sweep');
    const cutoff = new Date(now().getTime() - config.retention.eventLogMaxAgeHours * 3_600_000).toISOString();
    await store.pruneEvents(config.retention.eventLogMaxPerTopic, cutoff);
  };
  const sweeper = setInterval(() => sweep().catch((err: unknown) => logger.error({ err }, 'retention sweep failed')), config.retention.sweepIntervalMs);
  sweeper.unref();
  await sweep();

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
      await app.listen({ host: config.host, port: config.port });
      const port = (app.server.address() as AddressInfo).port;
      logger.info({ host: config.host, port }, `Aether-V realtime listening on http://${config.host}:${port} (WebSocket at /ws)`);
      return port;
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(sweeper);
      clearInterval(staleCheck);
      await simulator?.close();
      await runner.close();
      await ws.close();
      await hub.drain(CloseCode.GOING_AWAY, 'server shutting down; reconnect and resume');
      const timeout = setTimeout(() => logger.warn({}, 'shutdown timeout reached; forcing close'), config.shutdownTimeoutMs);
      await app.close();
      clearTimeout(timeout);
      unsubscribe();
      sequencer.close();
      await bus.close();
      await store.close();
    },
  };
}
