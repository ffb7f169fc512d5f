/**
 * Environment → typed, frozen configuration. Every variable is read here and nowhere else; a bad
 * value fails fast with the variable's name. README.md's configuration table lists them all.
 */
import path from 'node:path';
import { AppError } from './shared/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

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
  /** Snapshot, replay and queue bounds per connection and per user (see `Costs`). */
  readonly costs: Costs;
}

/**
 * What snapshots and replays may cost. A unit is one event a replay goes through or one row a
 * snapshot holds; a request that would pass a budget gets `budget_exceeded` (close 4010 at connect).
 */
export interface Costs {
  /** Units per connection per `windowSec`; 0 = unlimited. */
  readonly perConnection: number;
  /** Units per user per `windowSec`, over all their sockets (and instances, with Redis); 0 = unlimited. */
  readonly perUser: number;
  /** The budgets' window, seconds. */
  readonly windowSec: number;
  /** Snapshot or resume requests that may wait per connection behind the one running. */
  readonly maxQueued: number;
  /** A replay waits this long at most for a full send buffer to drain before closing with 4009. */
  readonly replayStallMs: number;
}

export interface Retention {
  readonly notificationsMaxCount: number;
  readonly notificationsMaxAgeDays: number;
  readonly eventLogMaxPerTopic: number;
  readonly eventLogMaxAgeHours: number;
  readonly sweepIntervalMs: number;
}

export interface Realtime {
  /** Events of one topic within this window go out as one `batch` frame; 0 sends each at once. */
  readonly wsBatchWindowMs: number;
  /** permessage-deflate for /ws. */
  readonly wsCompression: boolean;
  /** Frames smaller than this are sent uncompressed even with compression on. */
  readonly wsCompressionThresholdBytes: number;
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

export interface OidcConfig {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** Role required to sign in or use a token; `*` disables the check. */
  readonly roleName: string;
  /** Role that may create notifications and other automation writes; undefined = nobody via OIDC. */
  readonly adminRole: string | undefined;
  /** Allowed clock skew for `exp`/`nbf`, seconds. */
  readonly clockToleranceSec: number;
}

export type AuthConfig =
  | { readonly mode: 'dev'; readonly devUser: string }
  | {
      readonly mode: 'enabled';
      /** Signs session cookies and ws-tokens; at least 32 bytes. */
      readonly sessionSecret: string;
      readonly oidc: OidcConfig | undefined;
      readonly apiToken: string | undefined;
      /** A session ends after this much inactivity (sliding). */
      readonly sessionIdleMs: number;
      /** A session ends this long after sign-in, whatever the activity. */
      readonly sessionAbsoluteMs: number;
      /** Lifetime of a `/auth/ws-token` token, seconds (the seed's 300). */
      readonly wsTokenTtlSec: number;
    };

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly file: string; readonly checkpointIntervalMs: number; readonly writeGroupMax: number }
  | { readonly kind: 'postgres'; readonly url: string; readonly writeGroupMax: number };

export interface RedisConfig {
  readonly url: string;
  /** Every channel and key name starts with it, so deployments can share one Redis. */
  readonly prefix: string;
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
  /** HTTP connection cap and request timeouts (HTTP_MAX_CONNECTIONS, HTTP_*_TIMEOUT_MS). */
  readonly http: HttpEdge;
  /** Who may read /metrics (METRICS_TOKEN). */
  readonly metrics: MetricsConfig;
}

function fail(name: string, message: string): never {
  throw new AppError('config_invalid', `${name}: ${message}`);
}

function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  return fail(name, `expected true or false, got ${JSON.stringify(env[name])}`);
}

function readInt(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) return fail(name, `expected an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) return fail(name, `expected an integer from ${min} to ${max}, got ${value}`);
  return value;
}

function readDatabase(env: Env): Config['database'] {
  const url = env.DATABASE_URL?.trim();
  const checkpointIntervalMs = readInt(env, 'SQLITE_CHECKPOINT_INTERVAL_MS', 1000, 0, 3_600_000);
  const writeGroupMax = readInt(env, 'WRITE_GROUP_MAX', 64, 1, 10_000);
  if (url) {
    if (url.startsWith('sqlite:'))
      return { kind: 'sqlite', file: path.resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')), checkpointIntervalMs, writeGroupMax };
    if (/^postgres(ql)?:\/\//.test(url)) {
      try {
        new URL(url);
      } catch {
        return fail('DATABASE_URL', 'not a valid postgres:// URL');
      }
      return { kind: 'postgres', url, writeGroupMax };
    }
    return fail('DATABASE_URL', 'expected sqlite:<file> or postgres://user:password@host:port/database');
  }
  const dataDir = env.DATA_DIR?.trim() || './data';
  return { kind: 'sqlite', file: path.resolve(dataDir, 'aether-v.sqlite'), checkpointIntervalMs, writeGroupMax };
}

function readRedis(env: Env): RedisConfig | undefined {
  const url = env.REDIS_URL?.trim();
  const prefix = env.REDIS_CHANNEL_PREFIX?.trim() ?? 'aether-v';
  if (prefix === '') return fail('REDIS_CHANNEL_PREFIX', 'must not be empty');
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(prefix)) return fail('REDIS_CHANNEL_PREFIX', 'expected 1 to 64 characters from A-Z a-z 0-9 . _ : -');
  if (url === undefined || url === '') return undefined;
  if (!/^rediss?:\/\//.test(url)) return fail('REDIS_URL', `expected redis://host:port or rediss://host:port, got ${JSON.stringify(url)}`);
  return { url, prefix };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function readOptional(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function readUrl(env: Env, name: string): string | undefined {
  const raw = readOptional(env, name);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(name, `expected an http(s) URL, got ${JSON.stringify(raw)}`);
  } catch {
    return fail(name, `expected an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}

function readOidc(env: Env): OidcConfig | undefined {
  const issuerUrl = readUrl(env, 'OIDC_ISSUER_URL');
  const clientId = readOptional(env, 'OIDC_CLIENT_ID');
  if (issuerUrl === undefined && clientId === undefined) return undefined;
  if (issuerUrl === undefined) return fail('OIDC_ISSUER_URL', 'OIDC_CLIENT_ID is set but OIDC_ISSUER_URL is missing');
  if (clientId === undefined) return fail('OIDC_CLIENT_ID', 'OIDC_ISSUER_URL is set but OIDC_CLIENT_ID is missing');
  const roleName = readOptional(env, 'OIDC_ROLE_NAME');
  if (roleName === undefined) return fail('OIDC_ROLE_NAME', 'required with OIDC: the role users need to sign in, or * to let every authenticated user in');
  return {
    issuerUrl,
    clientId,
    clientSecret: readOptional(env, 'OIDC_CLIENT_SECRET'),
    roleName,
    adminRole: readOptional(env, 'OIDC_ADMIN_ROLE'),
    clockToleranceSec: readInt(env, 'OIDC_CLOCK_TOLERANCE_SEC', 30, 0, 300),
  };
}

function readAuth(env: Env, host: string): Config['auth'] {
  const enabled = readBool(env, 'AUTH_ENABLED', true);
  const allowDev = readBool(env, 'ALLOW_DEV_AUTH', false);
  if (enabled) {
    const sessionSecret = readOptional(env, 'SESSION_SECRET_KEY');
    const oidc = readOidc(env);
    const apiToken = readOptional(env, 'API_TOKEN');
    const missing: string[] = [];
    if (sessionSecret === undefined) missing.push('SESSION_SECRET_KEY (at least 32 bytes)');
    if (oidc === undefined && apiToken === undefined) missing.push('OIDC_ISSUER_URL + OIDC_CLIENT_ID + OIDC_ROLE_NAME, or API_TOKEN');
    if (missing.length > 0) {
      return fail(
        'AUTH_ENABLED',
        `authentication is on (the default) but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing; ` +
          'for local development set AUTH_ENABLED=false and ALLOW_DEV_AUTH=true',
      );
    }
    if (Buffer.byteLength(sessionSecret as string, 'utf8') < 32) return fail('SESSION_SECRET_KEY', 'must be at least 32 bytes');
    const weak = secretWeakness(sessionSecret as string);
    if (weak !== undefined) return fail('SESSION_SECRET_KEY', `${weak}; generate one with \`openssl rand -base64 48\``);
    if (apiToken !== undefined && Buffer.byteLength(apiToken, 'utf8') < 16) return fail('API_TOKEN', 'must be at least 16 bytes');
    const sessionIdleMs = readInt(env, 'SESSION_IDLE_TIMEOUT_SEC', 8 * 3600, 60) * 1000;
    const sessionAbsoluteMs = readInt(env, 'SESSION_MAX_AGE_SEC', 24 * 3600, 60) * 1000;
    if (sessionIdleMs > sessionAbsoluteMs) fail('SESSION_IDLE_TIMEOUT_SEC', 'must not exceed SESSION_MAX_AGE_SEC');
    return {
      mode: 'enabled',
      sessionSecret: sessionSecret as string,
      oidc,
      apiToken,
      sessionIdleMs,
      sessionAbsoluteMs,
      wsTokenTtlSec: readInt(env, 'WS_TOKEN_TTL_SEC', 300, 10, 3600),
    };
  }
  if (!allowDev) {
    return fail('ALLOW_DEV_AUTH', 'AUTH_ENABLED=false lets anyone in as dev-user; refusing to start unless ALLOW_DEV_AUTH=true says that is intended');
  }
  if (!LOOPBACK.test(host) && !readBool(env, 'ALLOW_DEV_AUTH_REMOTE', false)) {
    return fail('HOST', `development auth is bound to loopback, but HOST=${host}; set ALLOW_DEV_AUTH_REMOTE=true to expose an unauthenticated server`);
  }
  return { mode: 'dev', devUser: 'dev-user' };
}

function readOrigins(env: Env): readonly string[] {
  const raw = readOptional(env, 'ALLOWED_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0)
    .map((o) => {
      if (o === '*') return fail('ALLOWED_ORIGINS', '* is not allowed: list the origins (scheme://host[:port]) that may use the session cookie');
      try {
        const url = new URL(o);
        if (url.origin !== o.replace(/\/+$/, '')) throw new Error('not an origin');
        return url.origin;
      } catch {
        return fail('ALLOWED_ORIGINS', `expected comma-separated origins like https://console.example.com, got ${JSON.stringify(o)}`);
      }
    });
}

/** The cost budgets (one block: WS_COST_*, WS_MAX_QUEUED_SYNCS, WS_REPLAY_STALL_MS); on with authentication, off in dev mode. */
function readCosts(env: Env, guarded: boolean): Costs {
  return {
    perConnection: readInt(env, 'WS_COST_BUDGET_PER_CONNECTION', guarded ? 12_000 : 0, 0),
    perUser: readInt(env, 'WS_COST_BUDGET_PER_USER', guarded ? 30_000 : 0, 0),
    windowSec: readInt(env, 'WS_COST_BUDGET_WINDOW_SEC', 60, 1, 3600),
    maxQueued: readInt(env, 'WS_MAX_QUEUED_SYNCS', 8, 1, 1000),
    replayStallMs: readInt(env, 'WS_REPLAY_STALL_MS', 10_000, 100, 600_000),
  };
}

// ---- HTTP edge: connection cap and timeouts, /metrics access, secret strength ----

export interface HttpEdge {
  /** TCP connections open at once per process, WebSockets included; over it a new one is closed at accept. */
  readonly maxConnections: number;
  /** Request headers (an upgrade's too) must arrive within this, or 408 and close. */
  readonly headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this, or 408 and close. */
  readonly requestTimeoutMs: number;
}

export interface MetricsConfig {
  /** `Authorization: Bearer <token>` opens /metrics; undefined = no token does. */
  readonly token: string | undefined;
  /** /metrics answers anyone: development mode without METRICS_TOKEN only. */
  readonly open: boolean;
}

/** Room above WS_MAX_CONNECTIONS for REST, health checks and sockets still authenticating. */
const HTTP_CONNECTION_HEADROOM = 1024;

function readHttpEdge(env: Env): HttpEdge {
  // Read again (same rules as in limits) so this block stands alone.
  const wsMax = readInt(env, 'WS_MAX_CONNECTIONS', 10_000, 1);
  const maxConnections = readInt(env, 'HTTP_MAX_CONNECTIONS', wsMax + HTTP_CONNECTION_HEADROOM, 1);
  if (maxConnections <= wsMax) {
    fail(
      'HTTP_MAX_CONNECTIONS',
      `must exceed WS_MAX_CONNECTIONS (${wsMax}): every WebSocket holds one HTTP connection, and REST and health checks need room (default: WS_MAX_CONNECTIONS + ${HTTP_CONNECTION_HEADROOM})`,
    );
  }
  const headersTimeoutMs = readInt(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 500, 300_000);
  const requestTimeoutMs = readInt(env, 'HTTP_REQUEST_TIMEOUT_MS', 60_000, 500, 3_600_000);
  if (requestTimeoutMs < headersTimeoutMs) fail('HTTP_REQUEST_TIMEOUT_MS', `must not be below HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs})`);
  return { maxConnections, headersTimeoutMs, requestTimeoutMs };
}

function readMetrics(env: Env, auth: AuthConfig): MetricsConfig {
  const token = readOptional(env, 'METRICS_TOKEN');
  if (token !== undefined) {
    if (Buffer.byteLength(token, 'utf8') < 16) fail('METRICS_TOKEN', 'must be at least 16 bytes');
    const weak = secretWeakness(token);
    if (weak !== undefined) fail('METRICS_TOKEN', `${weak}; generate one with \`openssl rand -hex 24\``);
  }
  return { token, open: token === undefined && auth.mode === 'dev' };
}

/** The least estimated entropy a secret may have (Shannon entropy of its characters, bias-corrected, × its length). */
export const MIN_SECRET_BITS = 96;
const MIN_SECRET_DISTINCT_CHARS = 8;

/**
 * Why `secret` is too predictable to sign with, or undefined: fewer than 8 distinct characters,
 * a repeated shorter sequence (`changeme-changeme-…`), or under MIN_SECRET_BITS estimated bits.
 * An estimate only: it catches the obvious, it cannot prove a secret random.
 */
export function secretWeakness(secret: string): string | undefined {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (counts.size < MIN_SECRET_DISTINCT_CHARS) return `too predictable: only ${counts.size} distinct characters (at least ${MIN_SECRET_DISTINCT_CHARS})`;
  const period = shortestPeriod(chars);
  if (period <= chars.length / 2) return `too predictable: it repeats a ${period}-character sequence`;
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / chars.length) * Math.log2(n / chars.length);
  // Miller–Madow: the plug-in estimate runs low on short strings (a random 32-character hex token
  // measured under 96 bits about once in 9,000); the correction removes that bias.
  perChar += (counts.size - 1) / (2 * chars.length * Math.LN2);
  const bits = Math.floor(perChar * chars.length);
  if (bits < MIN_SECRET_BITS) return `too predictable: about ${bits} bits of entropy estimated (at least ${MIN_SECRET_BITS})`;
  return undefined;
}

/** The length of the shortest p with s[i] = s[i - p] for every i ≥ p (the prefix function's answer). */
function shortestPeriod(s: readonly string[]): number {
  const border = new Array<number>(s.length).fill(0);
  for (let i = 1, k = 0; i < s.length; i++) {
    while (k > 0 && s[i] !== s[k]) k = border[k - 1] as number;
    if (s[i] === s[k]) k += 1;
    border[i] = k;
  }
  return s.length - (border[s.length - 1] ?? 0);
}

// ---- end of the HTTP edge block ----

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
  const config: Config = {
    host,
    port: readInt(env, 'PORT', 8000, 0, 65535),
    listenBacklog: readInt(env, 'LISTEN_BACKLOG', 4096, 1, 65_535),
    database: readDatabase(env),
    redis: readRedis(env),
    workers: readInt(env, 'WORKERS', 1, 1, 256),
    debug: readBool(env, 'DEBUG', false),
    dummyData: readBool(env, 'DUMMY_DATA', false),
    auth,
    allowedOrigins: readOrigins(env),
    publicUrl,
    limits: {
      wsMaxPayloadBytes: readInt(env, 'WS_MAX_PAYLOAD_BYTES', 1024 * 1024, 1024),
      wsMaxMessageBytes: readInt(env, 'WS_MAX_MESSAGE_BYTES', 64 * 1024, 64),
      wsMaxSubscriptions: readInt(env, 'WS_MAX_SUBSCRIPTIONS', 100, 1),
      wsMaxConnections: readInt(env, 'WS_MAX_CONNECTIONS', 10_000, 1),
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
      costs: readCosts(env, guarded),
    },
    retention: {
      notificationsMaxCount: readInt(env, 'NOTIFICATION_RETENTION_COUNT', 1000, 1),
      notificationsMaxAgeDays: readInt(env, 'NOTIFICATION_RETENTION_DAYS', 30, 1),
      eventLogMaxPerTopic: readInt(env, 'EVENT_LOG_RETENTION_COUNT', 10_000, 10),
      eventLogMaxAgeHours: readInt(env, 'EVENT_LOG_RETENTION_HOURS', 24, 1),
      sweepIntervalMs: readInt(env, 'RETENTION_SWEEP_INTERVAL_MS', 60_000, 100),
    },
    realtime: {
      wsBatchWindowMs: readInt(env, 'WS_BATCH_WINDOW_MS', 0, 0, 1000),
      wsCompression: readBool(env, 'WS_COMPRESSION', false),
      wsCompressionThresholdBytes: readInt(env, 'WS_COMPRESSION_THRESHOLD_BYTES', 1024, 0, 64 * 1024 * 1024),
    },
    jobs: {
      tickMs: readInt(env, 'JOB_TICK_MS', 500, 1, 60_000),
      snapshotLimit: readInt(env, 'JOBS_SNAPSHOT_LIMIT', 50, 0, 1000),
      simulatorIntervalMs: readInt(env, 'SIMULATOR_INTERVAL_MS', 3000, 0, 3_600_000),
      hostStaleAfterMs: readInt(env, 'HOST_STALE_AFTER_MS', 0, 0, 7 * 86_400_000),
      retentionDays: readInt(env, 'JOB_RETENTION_DAYS', 30, 1, 3650),
    },
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0),
    http: readHttpEdge(env),
    metrics: readMetrics(env, auth),
  };
  if (config.limits.wsMaxMessageBytes > config.limits.wsMaxPayloadBytes) {
    fail('WS_MAX_MESSAGE_BYTES', `must not exceed WS_MAX_PAYLOAD_BYTES (${config.limits.wsMaxPayloadBytes})`);
  }
  return Object.freeze(config);
}
