/**
 * Environment → typed, frozen configuration. Every variable is read here or in src/config/ (one file a
 * concept) and nowhere else; a bad value fails fast with the variable's name. README.md lists them all.
 */
import { readAuth, readMetrics, readOrigins, type AuthConfig, type MetricsConfig, type OidcConfig } from './config/access.js';
import { readAdmin, type AdminConfig } from './config/admin.js';
import { readCosts, readHttpEdge, type Costs, type HttpEdge } from './config/edge.js';
import { LOOPBACK, fail, readBool, readInt, readUrl, type Env } from './config/read.js';
import { readPresence, type PresenceConfig } from './config/presence.js';
import { readRealtime, type Realtime } from './config/realtime.js';
import { readDatabase, readRedis, type DatabaseConfig, type RedisConfig } from './config/stores.js';

export { MIN_SECRET_BITS, secretWeakness } from './config/secrets.js';
export type { AdminConfig, AuthConfig, Costs, DatabaseConfig, Env, HttpEdge, MetricsConfig, OidcConfig, Realtime, RedisConfig };

export interface Limits {
  readonly wsMaxPayloadBytes: number;
  readonly wsMaxMessageBytes: number;
  readonly wsMaxSubscriptions: number;
  readonly wsMaxConnections: number;
  readonly wsMaxConnectRate: number;
  readonly wsMaxBufferedBytes: number;
  readonly wsPingIntervalMs: number;
  readonly wsPongTimeoutMs: number;
  readonly initialStateLimit: number;
  readonly restBodyLimitBytes: number;
  /** Open sockets per user id (over → close 1013); 0 = unlimited. */
  readonly wsMaxConnectionsPerUser: number;
  /** Open sockets per client IP (over → HTTP 429 before the upgrade); 0 = unlimited. */
  readonly wsMaxConnectionsPerIp: number;
  /** Client messages per second per socket (over → `error`, then close 4008); 0 = unlimited. */
  readonly wsMessagesPerSecond: number;
  /** `/auth/ws-token` requests per session per minute (over → 429 with Retry-After). */
  readonly wsTokenRequestsPerMinute: number;
  /** How long a socket opened without a credential may take to send its `auth` message. */
  readonly wsAuthTimeoutMs: number;
  /** Most bytes a socket may send before it is open (its `auth` frame, then what it queues); more closes it with 1009. */
  readonly wsPreauthMaxBytes: number;
  /** Deadline for checking a socket's credential and admitting it (identity provider fetches included); a miss closes it with 4002. */
  readonly wsAuthCheckTimeoutMs: number;
  /** REST JSON bodies nesting arrays/objects deeper than this are refused with 400 before parsing. */
  readonly restJsonMaxDepth: number;
  /** Users whose unread count is kept in memory for event frames (beyond it, reloaded on use). */
  readonly unreadCountCacheUsers: number;
  /** Distinct filters whose unread counts are kept in memory per user (the tabs, the unread count and connections' own). */
  readonly unreadCountFiltersPerUser: number;
  /** Most named filters a connection's `subscribe` may ask to have counted (0: none). */
  readonly wsCountFilters: number;
  /** Most bytes (as JSON) of a connection's `filters` option. */
  readonly wsCountFiltersMaxBytes: number;
  /** Snapshot, replay and queue bounds per connection and per user (see `Costs`). */
  readonly costs: Costs;
}

export interface Retention {
  readonly notificationsMaxCount: number;
  readonly notificationsMaxAgeDays: number;
  readonly eventLogMaxPerTopic: number;
  readonly eventLogMaxAgeHours: number;
  readonly sweepIntervalMs: number;
}

export interface JobsConfig {
  /** Interval between job steps. */
  readonly tickMs: number;
  /** Finished jobs in a `jobs` snapshot (unfinished ones are always included). */
  readonly snapshotLimit: number;
  /** DUMMY_DATA simulator interval; 0 turns the simulator off. */
  readonly simulatorIntervalMs: number;
  /** A connected host that has not reported for this long is marked disconnected; 0 never. */
  readonly hostStaleAfterMs: number;
  /** Finished jobs older than this are deleted by the retention sweep. */
  readonly retentionDays: number;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Pending TCP connections the kernel queues before accept (capped by net.core.somaxconn). */
  readonly listenBacklog: number;
  /** `sqlite:<file>` (the embedded default) or a `postgres://` URL. */
  readonly database: DatabaseConfig;
  /** Redis bus and shared limits; undefined = in-process bus and per-process limits. */
  readonly redis: RedisConfig | undefined;
  /** Processes serving one port (node:cluster); 1 = no cluster. */
  readonly workers: number;
  /**
   * Nice steps below the event loop for V8's worker threads (GC, compilers), so they yield to it; 0 =
   * leave them; `auto` = 10 when this process may run on one CPU only, else 0 (v8-worker-priority.ts).
   */
  readonly v8WorkerNice: number | 'auto';
  readonly debug: boolean;
  readonly dummyData: boolean;
  readonly auth: AuthConfig;
  /** Origins allowed for browser sockets and browser (Origin-carrying) mutations, in every mode; empty = the server's own. */
  readonly allowedOrigins: readonly string[];
  /**
   * The externally visible base URL: the OIDC callback, the own origin (scheme, host and port) and a
   * Host development mode accepts. Unset: the own origin is `http://<bound address>:<port>`, never the request's Host.
   */
  readonly publicUrl: string | undefined;
  readonly limits: Limits;
  readonly retention: Retention;
  readonly realtime: Realtime;
  readonly jobs: JobsConfig;
  readonly shutdownTimeoutMs: number;
  /** On a graceful stop, how long the open WebSockets get to answer 1001 before the rest are cut (SHUTDOWN_CLOSE_WAIT_MS). */
  readonly shutdownCloseWaitMs: number;
  /** HTTP connection cap and request timeouts (HTTP_MAX_CONNECTIONS, HTTP_*_TIMEOUT_MS). */
  readonly http: HttpEdge;
  /** Presence on entity topics (PRESENCE_*). */
  readonly presence: PresenceConfig;
  /** Who may read /metrics (METRICS_TOKEN). */
  readonly metrics: MetricsConfig;
  /** The admin API's bounds (ADMIN_*). */
  readonly admin: AdminConfig;
}

/** Reads the configuration from the environment. Throws an AppError naming the variable on a bad value. */
export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST?.trim() || '127.0.0.1';
  const auth = readAuth(env, host);
  // Abuse limits default on with authentication; in dev mode everyone is dev-user on loopback, so off (0).
  const guarded = auth.mode === 'enabled';
  const publicUrl = readUrl(env, 'PUBLIC_URL');
  if (auth.mode === 'enabled' && auth.oidc !== undefined && publicUrl === undefined && !LOOPBACK.test(host)) {
    fail('PUBLIC_URL', 'required with OIDC sign-in unless HOST is loopback: the callback URL, the own origin and the Secure cookie flag derive from it');
  }
  const wsMaxConnections = readInt(env, 'WS_MAX_CONNECTIONS', 10_000, 1);
  const config: Config = {
    host,
    port: readInt(env, 'PORT', 8000, 0, 65535),
    listenBacklog: readInt(env, 'LISTEN_BACKLOG', 4096, 1, 65_535),
    database: readDatabase(env),
    redis: readRedis(env),
    workers: readInt(env, 'WORKERS', 1, 1, 256),
    v8WorkerNice: readV8WorkerNice(env),
    debug: readBool(env, 'DEBUG', false),
    dummyData: readBool(env, 'DUMMY_DATA', false),
    auth,
    allowedOrigins: readOrigins(env),
    publicUrl,
    limits: {
      wsMaxPayloadBytes: readInt(env, 'WS_MAX_PAYLOAD_BYTES', 1024 * 1024, 1024),
      wsMaxMessageBytes: readInt(env, 'WS_MAX_MESSAGE_BYTES', 64 * 1024, 64),
      wsMaxSubscriptions: readInt(env, 'WS_MAX_SUBSCRIPTIONS', 100, 1),
      wsMaxConnections,
      wsMaxConnectRate: readInt(env, 'WS_MAX_CONNECT_RATE', 2000, 0),
      wsMaxBufferedBytes: readInt(env, 'WS_MAX_BUFFERED_BYTES', 1024 * 1024, 1024),
      wsPingIntervalMs: readInt(env, 'WS_PING_INTERVAL_MS', 25_000, 100),
      wsPongTimeoutMs: readInt(env, 'WS_PONG_TIMEOUT_MS', 10_000, 100),
      initialStateLimit: readInt(env, 'INITIAL_STATE_LIMIT', 50, 0, 1000),
      restBodyLimitBytes: readInt(env, 'REST_BODY_LIMIT_BYTES', 1024 * 1024, 1024),
      wsMaxConnectionsPerUser: readInt(env, 'WS_MAX_CONNECTIONS_PER_USER', guarded ? 20 : 0, 0),
      wsMaxConnectionsPerIp: readInt(env, 'WS_MAX_CONNECTIONS_PER_IP', guarded ? 100 : 0, 0),
      wsMessagesPerSecond: readInt(env, 'WS_MESSAGES_PER_SECOND', guarded ? 20 : 0, 0),
      wsTokenRequestsPerMinute: readInt(env, 'WS_TOKEN_REQUESTS_PER_MINUTE', 30, 1),
      wsAuthTimeoutMs: readInt(env, 'WS_AUTH_TIMEOUT_MS', 5000, 100, 60_000),
      wsPreauthMaxBytes: readInt(env, 'WS_PREAUTH_MAX_BYTES', 10_240, 256, 1024 * 1024),
      wsAuthCheckTimeoutMs: readInt(env, 'WS_AUTH_CHECK_TIMEOUT_MS', 5000, 100, 60_000),
      restJsonMaxDepth: readInt(env, 'REST_JSON_MAX_DEPTH', 32, 2, 1000),
      unreadCountCacheUsers: readInt(env, 'UNREAD_COUNT_CACHE_USERS', 100_000, 1),
      unreadCountFiltersPerUser: readInt(env, 'UNREAD_COUNT_FILTERS_PER_USER', 64, 8, 4096),
      wsCountFilters: readInt(env, 'WS_COUNT_FILTERS', 8, 0, 64),
      wsCountFiltersMaxBytes: readInt(env, 'WS_COUNT_FILTERS_MAX_BYTES', 2048, 64, 65_536),
      costs: readCosts(env, guarded),
    },
    retention: {
      notificationsMaxCount: readInt(env, 'NOTIFICATION_RETENTION_COUNT', 1000, 1),
      notificationsMaxAgeDays: readInt(env, 'NOTIFICATION_RETENTION_DAYS', 30, 1),
      eventLogMaxPerTopic: readInt(env, 'EVENT_LOG_RETENTION_COUNT', 10_000, 10),
      eventLogMaxAgeHours: readInt(env, 'EVENT_LOG_RETENTION_HOURS', 24, 1),
      sweepIntervalMs: readInt(env, 'RETENTION_SWEEP_INTERVAL_MS', 60_000, 100),
    },
    realtime: readRealtime(env),
    jobs: {
      tickMs: readInt(env, 'JOB_TICK_MS', 500, 1, 60_000),
      snapshotLimit: readInt(env, 'JOBS_SNAPSHOT_LIMIT', 50, 0, 1000),
      simulatorIntervalMs: readInt(env, 'SIMULATOR_INTERVAL_MS', 3000, 0, 3_600_000),
      hostStaleAfterMs: readInt(env, 'HOST_STALE_AFTER_MS', 0, 0, 7 * 86_400_000),
      retentionDays: readInt(env, 'JOB_RETENTION_DAYS', 30, 1, 3650),
    },
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0),
    shutdownCloseWaitMs: readInt(env, 'SHUTDOWN_CLOSE_WAIT_MS', 2000, 0, 60_000),
    http: readHttpEdge(env, wsMaxConnections),
    presence: readPresence(env),
    metrics: readMetrics(env, auth),
    admin: readAdmin(env),
  };
  if (config.limits.wsMaxMessageBytes > config.limits.wsMaxPayloadBytes) {
    fail('WS_MAX_MESSAGE_BYTES', `must not exceed WS_MAX_PAYLOAD_BYTES (${config.limits.wsMaxPayloadBytes})`);
  }
  return Object.freeze(config);
}

/** `auto` (the default) or 0–19. */
function readV8WorkerNice(env: Env): number | 'auto' {
  const raw = env.V8_WORKER_NICE?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (!/^\d+$/.test(raw) || Number(raw) > 19)
    return fail('V8_WORKER_NICE', `expected auto or an integer from 0 to 19, got ${JSON.stringify(env.V8_WORKER_NICE)}`);
  return Number(raw);
}
