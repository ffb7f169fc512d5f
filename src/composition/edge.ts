/**
 * The HTTP edge of one process: the Fastify app (REST, sign-in, /readyz, /metrics, the page) and
 * the /ws and /sse endpoints on its server, sharing one origin policy and one authenticator. `close()` is
 * the edge's part of a graceful stop: no new connections, every socket closed with 1001 (the hub's
 * drain) and given SHUTDOWN_CLOSE_WAIT_MS to finish its close handshake, then the requests in
 * flight finish.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import { createOriginPolicy, type OriginPolicy } from '../auth/origin.js';
import type { Config } from '../config.js';
import { buildApp } from '../http/app.js';
import { capHttpServer } from '../http/connection-cap.js';
import type { Metrics } from '../http/metrics.js';
import { createSseEndpoint, type SseEndpoint } from '../http/sse.js';
import { createConnectRate, type ConnectRate } from '../http/connect-rate.js';
import { createWsEndpoint, type WsEndpoint } from '../http/ws.js';
import { CloseCode } from '../protocol/index.js';
import type { Store } from '../store/types.js';
import { metricsSource, type AuthParts } from '../wiring.js';
import type { AdminControl } from './admin-control.js';
import type { Realtime } from './realtime.js';
import type { Services } from './services.js';
import type { StoreAndBus } from './store-and-bus.js';

export interface Edge {
  readonly app: FastifyInstance;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /**
   * Stops listening, closes the sockets with 1001 and waits up to SHUTDOWN_CLOSE_WAIT_MS for them to
   * end, then lets requests finish (a warning past SHUTDOWN_TIMEOUT_MS).
   */
  close(): Promise<void>;
}

export interface EdgeDeps {
  readonly config: Config;
  readonly parts: StoreAndBus;
  readonly services: Services;
  readonly realtime: Realtime;
  readonly auth: AuthParts;
  /** The authenticator in use: `auth.authenticator` unless a test replaced it. */
  readonly authenticator: Authenticator;
  readonly metrics: Metrics;
  readonly logger: PinoLogger;
  /** True once the server's shutdown has begun: /readyz fails from then on. */
  readonly closing: () => boolean;
  /** The admin API's reach across instances (admin-control.ts). */
  readonly admin: AdminControl;
}

export async function startEdge(deps: EdgeDeps): Promise<Edge> {
  const { config, logger } = deps;
  const { hub } = deps.realtime;
  const origins = createOriginPolicy({ allowedOrigins: config.allowedOrigins, publicUrl: config.publicUrl, guardHost: config.auth.mode === 'dev' });
  const app = await createHttpApp(deps, origins);
  // Before listen: Node reads the connection checking interval when listening starts.
  deps.metrics.bind({ hub, eventLogSize: () => deps.parts.store.eventCount(), http: capHttpServer(app.server, config.http) });
  // One budget of new connections per second for both transports.
  const connectRate = createConnectRate(config.limits.wsMaxConnectRate);
  const ws = openWsEndpoint(deps, app, origins, connectRate);
  const sse = openSseEndpoint(deps, app, origins, connectRate);
  return {
    app,
    async listen() {
      await app.listen({ host: config.host, port: config.port, backlog: config.listenBacklog });
      const port = (app.server.address() as AddressInfo).port;
      logger.info({ host: config.host, port }, `Aether-V realtime listening on http://${config.host}:${port} (WebSocket at /ws)`);
      return port;
    },
    async close() {
      // No new connections from here on: a balancer retries a refused connection on another
      // instance, where an upgrade or request answered by this draining one would just fail.
      // Resolves once every connection has ended (Fastify's own close then finds it closed).
      const ended = new Promise<void>((resolve) => app.server.close(() => resolve()));
      await ws.close();
      sse.close();
      const reason = 'server shutting down; reconnect and resume';
      await hub.drain(CloseCode.GOING_AWAY, reason);
      const settled = await ws.settle(CloseCode.GOING_AWAY, reason, config.shutdownCloseWaitMs);
      logger.info({ ...settled, waitMs: config.shutdownCloseWaitMs }, 'WebSockets closed for shutdown');
      const timeout = setTimeout(() => logger.warn({}, 'shutdown timeout reached; forcing close'), config.shutdownTimeoutMs);
      await app.close();
      await ended;
      clearTimeout(timeout);
    },
  };
}

function createHttpApp(deps: EdgeDeps, origins: OriginPolicy): Promise<FastifyInstance> {
  const { config, auth, services, closing } = deps;
  const { store, bus } = deps.parts;
  const { sessions } = deps.realtime;
  return buildApp({
    logger: deps.logger,
    authenticator: deps.authenticator,
    origins,
    ...(auth.routes === undefined ? {} : { auth: { ...auth.routes, onLogout: (sessionId: string) => sessions.revoke(sessionId, 'signed out') } }),
    notifications: services.notifications,
    inventory: services.inventory,
    jobs: services.jobs,
    bodyLimitBytes: config.limits.restBodyLimitBytes,
    jsonMaxDepth: config.limits.restJsonMaxDepth,
    ready: async () => ({ store: !closing() && (await storeReachable(store)), bus: !closing() && bus.ready() }),
    // Without its bus an instance still serves everything; events from other instances come from the
    // store within CATCH_UP_INTERVAL_MS (realtime.ts). Failing readiness then would take every
    // instance out at once.
    degradable: deps.parts.crossInstance ? ['bus'] : [],
    metrics: metricsSource(deps.metrics.registry),
    metricsAccess: config.metrics,
    serveSourceMaps: config.auth.mode === 'dev',
    admin: {
      reach: deps.admin,
      store,
      logger: deps.logger,
      listMax: config.admin.listMax,
      actionsPerMinute: config.admin.actionsPerMinute,
    },
  });
}

function openWsEndpoint(deps: EdgeDeps, app: FastifyInstance, origins: OriginPolicy, connectRate: ConnectRate): WsEndpoint {
  const { config, metrics } = deps;
  const limits = config.limits;
  return createWsEndpoint({
    server: app.server,
    hub: deps.realtime.hub,
    authenticator: deps.authenticator,
    origins,
    limits: deps.auth.limits,
    authTimeoutMs: limits.wsAuthTimeoutMs,
    preauthMaxBytes: limits.wsPreauthMaxBytes,
    authCheckTimeoutMs: limits.wsAuthCheckTimeoutMs,
    maxMessageBytes: limits.wsMaxMessageBytes,
    logger: deps.logger,
    debug: config.debug,
    maxPayloadBytes: limits.wsMaxPayloadBytes,
    pingIntervalMs: limits.wsPingIntervalMs,
    pongTimeoutMs: limits.wsPongTimeoutMs,
    connectRate,
    onRefused: (reason) => metrics.observer.refused(reason),
    compression: config.realtime.wsCompression ? { thresholdBytes: config.realtime.wsCompressionThresholdBytes } : undefined,
    corking: { holdTurns: config.realtime.wsBurstHoldTurns, holdMs: config.realtime.wsBurstHoldMs },
  });
}

/** GET /sse and its subscription endpoint, under the same gates and limits as /ws. */
function openSseEndpoint(deps: EdgeDeps, app: FastifyInstance, origins: OriginPolicy, connectRate: ConnectRate): SseEndpoint {
  const { config, metrics } = deps;
  return createSseEndpoint({
    app,
    hub: deps.realtime.hub,
    authenticator: deps.authenticator,
    origins,
    limits: deps.auth.limits,
    logger: deps.logger,
    heartbeatMs: config.realtime.sseHeartbeatMs,
    authCheckTimeoutMs: config.limits.wsAuthCheckTimeoutMs,
    maxMessageBytes: config.limits.wsMaxMessageBytes,
    connectRate,
    onRefused: (reason) => metrics.observer.refused(reason),
  });
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
