/**
 * Environment → typed, frozen configuration. Every variable is read here and nowhere else; a bad
 * value fails fast with the variable's name. README.md's configuration table lists them all.
 */
import path from 'node:path';
import { AppError } from './core/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Limits {
  readonly wsMaxPayloadBytes: number;
  readonly wsMaxMessageBytes: number;
  readonly wsMaxSubscriptions: number;
  readonly wsMaxConnections: number;
  readonly wsMaxBufferedBytes: number;
  readonly wsPingIntervalMs: number;
  readonly wsPongTimeoutMs: number;
  readonly initialStateLimit: number;
  readonly restBodyLimitBytes: number;
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

export interface Config {
  readonly host: string;
  readonly port: number;
  /** `sqlite:<file>`; PostgreSQL URLs are accepted by the scale-out mode. */
  readonly database: { readonly kind: 'sqlite'; readonly file: string };
  readonly debug: boolean;
  readonly dummyData: boolean;
  readonly auth: { readonly mode: 'dev'; readonly devUser: string };
  readonly limits: Limits;
  readonly retention: Retention;
  readonly realtime: Realtime;
  readonly jobs: JobsConfig;
  readonly shutdownTimeoutMs: number;
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
  if (url) {
    if (url.startsWith('sqlite:')) return { kind: 'sqlite', file: path.resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')) };
    if (/^postgres(ql)?:\/\//.test(url)) return fail('DATABASE_URL', 'PostgreSQL is not supported by this build yet; use sqlite:<file> or unset it');
    return fail('DATABASE_URL', 'expected sqlite:<file> (PostgreSQL support comes with the scale-out mode)');
  }
  const dataDir = env.DATA_DIR?.trim() || './data';
  return { kind: 'sqlite', file: path.resolve(dataDir, 'aether-v.sqlite') };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function readAuth(env: Env, host: string): Config['auth'] {
  const enabled = readBool(env, 'AUTH_ENABLED', true);
  const allowDev = readBool(env, 'ALLOW_DEV_AUTH', false);
  if (enabled) {
    return fail('AUTH_ENABLED', 'authentication is on but no authentication method is configured in this build; ' +
      'for local development set AUTH_ENABLED=false and ALLOW_DEV_AUTH=true');
  }
  if (!allowDev) {
    return fail('ALLOW_DEV_AUTH', 'AUTH_ENABLED=false lets anyone in as dev-user; refusing to start unless ALLOW_DEV_AUTH=true says that is intended');
  }
  if (!LOOPBACK.test(host) && !readBool(env, 'ALLOW_DEV_AUTH_REMOTE', false)) {
    return fail('HOST', `development auth is bound to loopback, but HOST=${host}; set ALLOW_DEV_AUTH_REMOTE=true to expose an unauthenticated server`);
  }
  return { mode: 'dev', devUser: 'dev-user' };
}

/** Reads the configuration from the environment. Throws an AppError naming the variable on a bad value. */
export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST?.trim() || '127.0.0.1';
  const config: Config = {
    host,
    port: readInt(env, 'PORT', 8000, 0, 65535),
    database: readDatabase(env),
    debug: readBool(env, 'DEBUG', false),
    dummyData: readBool(env, 'DUMMY_DATA', false),
    auth: readAuth(env, host),
    limits: {
      wsMaxPayloadBytes: readInt(env, 'WS_MAX_PAYLOAD_BYTES', 1024 * 1024, 1024),
      wsMaxMessageBytes: readInt(env, 'WS_MAX_MESSAGE_BYTES', 64 * 1024, 64),
      wsMaxSubscriptions: readInt(env, 'WS_MAX_SUBSCRIPTIONS', 100, 1),
      wsMaxConnections: readInt(env, 'WS_MAX_CONNECTIONS', 10_000, 1),
      wsMaxBufferedBytes: readInt(env, 'WS_MAX_BUFFERED_BYTES', 1024 * 1024, 1024),
      wsPingIntervalMs: readInt(env, 'WS_PING_INTERVAL_MS', 25_000, 100),
      wsPongTimeoutMs: readInt(env, 'WS_PONG_TIMEOUT_MS', 10_000, 100),
      initialStateLimit: readInt(env, 'INITIAL_STATE_LIMIT', 50, 0, 1000),
      restBodyLimitBytes: readInt(env, 'REST_BODY_LIMIT_BYTES', 1024 * 1024, 1024),
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
  };
  if (config.limits.wsMaxMessageBytes > config.limits.wsMaxPayloadBytes) {
    fail('WS_MAX_MESSAGE_BYTES', `must not exceed WS_MAX_PAYLOAD_BYTES (${config.limits.wsMaxPayloadBytes})`);
  }
  return Object.freeze(config);
}
