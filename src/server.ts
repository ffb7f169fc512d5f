/**
 * The composition root: wires the parts in start order and stops them in a fixed order. Which
 * store, bus and authenticator run comes from wiring.ts; each part is built by a factory in
 * composition/ (store-and-bus.ts, services.ts, realtime.ts, demo.ts, edge.ts, maintenance.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Authenticator } from './auth/authenticator.js';
import type { Bus } from './bus/types.js';
import type { Config } from './config.js';
import type { Hub } from './core/index.js';
import { createLogger } from './http/log.js';
import { createMetrics } from './http/metrics.js';
import { createAccessLookup, withAccess } from './auth/access.js';
import { newInstanceId, startAdminControl } from './composition/admin-control.js';
import { startDemo } from './composition/demo.js';
import { startEdge } from './composition/edge.js';
import { startMaintenance } from './composition/maintenance.js';
import { startRealtime } from './composition/realtime.js';
import { createServices } from './composition/services.js';
import { openStoreAndBus } from './composition/store-and-bus.js';
import type { InventoryService } from './services/inventory.js';
import type { JobService } from './services/jobs.js';
import type { NotificationService } from './services/notifications.js';
import type { Store } from './store/types.js';
import { createAuth } from './wiring.js';

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

export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<Server> {
  const logger = overrides.logger ?? createLogger({ debug: config.debug });
  const now = overrides.now ?? (() => new Date());
  if (config.auth.mode === 'dev') logger.warn({}, 'development auth is on: every request and socket is dev-user (AUTH_ENABLED=false, ALLOW_DEV_AUTH=true)');

  const parts = await openStoreAndBus(config, now, logger);
  const metrics = createMetrics();
  const services = await createServices({ config, parts, metrics: metrics.registry, logger, now });
  const instanceId = newInstanceId();
  const realtime = await startRealtime({ config, parts, services, observer: metrics.observer, logger, now, instanceId });
  const demo = await startDemo(config, services, logger);
  const auth = createAuth(config, parts.store, now, overrides.jwksCooldownMs, parts.shared);
  let closing = false;
  // Administrators' decisions about users apply at every authentication and, on a change, to open sockets.
  const access = createAccessLookup((user) => parts.store.read((tx) => tx.access.get(user)), config.admin.accessCacheMs);
  const authenticator = withAccess(overrides.authenticator ?? auth.authenticator, access);
  const admin = startAdminControl({
    hub: realtime.hub,
    bus: parts.bus,
    access,
    logger,
    timeoutMs: config.admin.scatterTimeoutMs,
    listMax: config.admin.listMax,
    instanceId,
    peers: realtime.peers,
  });
  const edge = await startEdge({ config, parts, services, realtime, auth, authenticator, metrics, logger, closing: () => closing, admin });
  const maintenance = await startMaintenance({
    config,
    store: parts.store,
    hub: realtime.hub,
    notifications: services.notifications,
    jobs: services.jobs,
    inventory: services.inventory,
    sweepSessions: auth.sessions?.sweep.bind(auth.sessions),
    revoke: (sessionId, reason) => realtime.sessions.revoke(sessionId, reason),
    logger,
    now,
    isLeader: () => services.runner.isLeader(),
  });

  return {
    app: edge.app,
    hub: realtime.hub,
    store: parts.store,
    bus: parts.bus,
    notificationService: services.notifications,
    inventoryService: services.inventory,
    jobService: services.jobs,
    logger,
    listen: () => edge.listen(),
    async close() {
      if (closing) return;
      closing = true;
      // What writes goes first (the timers, the simulator, the job runner), then the edge drains
      // the sockets and requests, then the real-time path, the bus and the store.
      maintenance.close();
      await demo.close();
      await services.close();
      await edge.close();
      admin.close();
      await realtime.close();
      await parts.close();
    },
  };
}
