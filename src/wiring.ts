/**
 * The concrete parts the configuration picks: the store (SQLite or PostgreSQL), the bus (in
 * process, cluster IPC, PostgreSQL LISTEN/NOTIFY or Redis) with the state instances share, the authenticator with its
 * sessions, ws-tokens and OIDC, and who runs the jobs. composition/ and server.ts compose them.
 *
 * PostgreSQL (`pg`) and Redis (`ioredis`) code is imported dynamically, only when DATABASE_URL /
 * REDIS_URL ask for it: the embedded default never loads either.
 */
import cluster from 'node:cluster';
import type { Logger as PinoLogger } from 'pino';
import type { Registry } from 'prom-client';
import type { Authenticator } from './auth/authenticator.js';
import { createDevAuthenticator } from './auth/dev.js';
import { createEnabledAuthenticator } from './auth/enabled.js';
import { createIpcClaim } from './auth/ipc-claim.js';
import { createLimits, type AuthLimits, type SharedCounters } from './auth/limits.js';
import { createOidcLogin } from './auth/oidc-login.js';
import { createOidcVerifier } from './auth/oidc-verifier.js';
import { createSessionManager, type SessionManager } from './auth/sessions.js';
import { createWsTokens } from './auth/ws-token.js';
import { createIpcBus, type IpcChannel } from './bus/ipc.js';
import { createMemoryBus } from './bus/memory.js';
import type { Bus } from './bus/types.js';
import type { Config } from './config.js';
import { fixedElection, type Election } from './shared/election.js';
import { clusterMetricsSource, type MetricsSource } from './http/metrics-cluster.js';
import type { AuthRoutesOptions } from './http/routes-auth.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';

export interface AuthParts {
  readonly authenticator: Authenticator;
  readonly limits: AuthLimits;
  readonly sessions: SessionManager | undefined;
  readonly routes: Omit<NonNullable<AuthRoutesOptions['enabled']>, 'onLogout'> | undefined;
}

/** Picks the authenticator and builds sessions, ws-tokens, OIDC and limits from the configuration. */
export function createAuth(config: Config, store: Store, now: () => Date, jwksCooldownMs: number | undefined, shared: SharedState | undefined): AuthParts {
  const limits = createLimits({
    maxConnectionsPerUser: config.limits.wsMaxConnectionsPerUser,
    maxConnectionsPerIp: config.limits.wsMaxConnectionsPerIp,
    messagesPerSecond: config.limits.wsMessagesPerSecond,
    wsTokenRequestsPerMinute: config.limits.wsTokenRequestsPerMinute,
    ...(shared === undefined ? {} : { shared: shared.limits }),
  });
  const auth = config.auth;
  if (auth.mode === 'dev') return { authenticator: createDevAuthenticator(), limits, sessions: undefined, routes: undefined };
  const nowMs = (): number => now().getTime();
  const sessions = createSessionManager({ store, secret: auth.sessionSecret, idleMs: auth.sessionIdleMs, absoluteMs: auth.sessionAbsoluteMs, now: nowMs });
  const wsTokens = createWsTokens({
    secret: auth.sessionSecret,
    ttlSec: auth.wsTokenTtlSec,
    now: nowMs,
    ...(shared === undefined ? {} : { claim: shared.claimJti }),
  });
  const oidc = auth.oidc;
  const verifier =
    oidc === undefined
      ? undefined
      : createOidcVerifier({
          issuerUrl: oidc.issuerUrl,
          clientId: oidc.clientId,
          roleName: oidc.roleName,
          adminRole: oidc.adminRole,
          clockToleranceSec: oidc.clockToleranceSec,
          fetchTimeoutMs: config.limits.wsAuthCheckTimeoutMs,
          now: nowMs,
          ...(jwksCooldownMs === undefined ? {} : { jwksCooldownMs }),
        });
  const login =
    oidc === undefined
      ? undefined
      : {
          oidc: createOidcLogin({
            issuerUrl: oidc.issuerUrl,
            clientId: oidc.clientId,
            clientSecret: oidc.clientSecret,
            secret: auth.sessionSecret,
            now: nowMs,
          }),
          roles: { roleName: oidc.roleName, adminRole: oidc.adminRole },
        };
  return {
    authenticator: createEnabledAuthenticator({ sessions, wsTokens, oidc: verifier, apiToken: auth.apiToken }),
    limits,
    sessions,
    routes: { sessions, wsTokens, limits, login, publicUrl: config.publicUrl },
  };
}

/** State shared across instances through Redis, PostgreSQL or the cluster primary. */
export interface SharedState {
  readonly limits: SharedCounters;
  readonly claimJti: (jti: string, expiresAtMs: number) => Promise<boolean>;
}

/**
 * Who runs the jobs: on PostgreSQL whoever holds the advisory lock; in a SQLite cluster the worker
 * the primary marked (AETHER_JOB_RUNNER); a lone SQLite process always.
 */
export async function jobRunnerElection(config: Config): Promise<Election> {
  if (config.database.kind === 'postgres') {
    const { createPostgresElection } = await import('./store/postgres-leader.js');
    return createPostgresElection(config.database.url, 'aether-v:job-runner');
  }
  // AETHER_JOB_RUNNER is set by the cluster primary on the worker it forks (cluster.ts), not by operators.
  return fixedElection(!cluster.isWorker || process.env.AETHER_JOB_RUNNER === '1');
}

/** Opens (and migrates) the configured store. */
export async function openStore(config: Config, now: () => Date = () => new Date(), logger?: Pick<PinoLogger, 'warn'>): Promise<Store> {
  const eventLogMaxPerTopic = config.retention.eventLogMaxPerTopic;
  if (config.database.kind === 'postgres') {
    const { openPostgresStore } = await import('./store/postgres.js');
    return openPostgresStore({ url: config.database.url, eventLogMaxPerTopic, now, writeGroupMax: config.database.writeGroupMax });
  }
  // Several processes on one file: take the write lock when a transaction begins (see sqlite.ts).
  return openSqliteStore({
    file: config.database.file,
    eventLogMaxPerTopic,
    now,
    immediate: config.workers > 1,
    checkpointIntervalMs: config.database.checkpointIntervalMs,
    writeGroupMax: config.database.writeGroupMax,
    ...(logger === undefined ? {} : { logger }),
  });
}

/** Which bus carries events between processes: picked by openBus, logged at start. */
export type BusKind = 'redis' | 'postgres' | 'ipc' | 'memory';

/**
 * The bus and the state instances share: Redis when REDIS_URL is set; else PostgreSQL
 * LISTEN/NOTIFY and tables when the store is PostgreSQL (several instances on one database need
 * nothing else); else the cluster primary over IPC (WORKERS=N on SQLite); else one process.
 */
export async function openBus(config: Config, logger: PinoLogger, store: Store): Promise<{ bus: Bus; shared: SharedState | undefined; kind: BusKind }> {
  const opened = await openSharedBus(config, logger, store);
  logger.info({ bus: opened.kind }, `bus: ${BUS_NAMES[opened.kind]}`);
  return opened;
}

const BUS_NAMES: Record<BusKind, string> = {
  redis: 'Redis pub/sub (REDIS_URL)',
  postgres: 'PostgreSQL LISTEN/NOTIFY (DATABASE_URL, no REDIS_URL)',
  ipc: 'cluster IPC through the primary (WORKERS)',
  memory: 'in process (one instance)',
};

async function openSharedBus(config: Config, logger: PinoLogger, store: Store): Promise<{ bus: Bus; shared: SharedState | undefined; kind: BusKind }> {
  const redis = config.redis;
  if (redis !== undefined) {
    const { createRedisBus } = await import('./bus/redis.js');
    const bus = await createRedisBus({ url: redis.url, prefix: redis.prefix, logger });
    const client = bus.client;
    return {
      bus,
      kind: 'redis',
      shared: {
        limits: { kind: 'redis', redis: client, prefix: redis.prefix },
        async claimJti(jti, expiresAtMs) {
          const ttlMs = Math.max(1, expiresAtMs - Date.now());
          return (await client.set(`${redis.prefix}:ws-jti:${jti}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
        },
      },
    };
  }
  if (config.database.kind === 'postgres') {
    const { createPostgresBus } = await import('./bus/postgres.js');
    const bus = await createPostgresBus({ url: config.database.url, log: store, logger });
    return { bus, kind: 'postgres', shared: { limits: { kind: 'postgres', pool: bus.pool }, claimJti: bus.claimJti } };
  }
  if (cluster.isWorker && cluster.worker !== undefined) {
    return {
      bus: createIpcBus(process as unknown as IpcChannel, cluster.worker.id),
      kind: 'ipc',
      shared: { limits: { kind: 'cluster' }, claimJti: createIpcClaim(process) },
    };
  }
  return { bus: createMemoryBus(), kind: 'memory', shared: undefined };
}

/** What `/metrics` serves: this process's registry, or under `WORKERS=N` every worker's, through the primary. */
export function metricsSource(registry: Registry): MetricsSource {
  return cluster.isWorker && cluster.worker !== undefined ? clusterMetricsSource(registry, cluster.worker.id, process) : registry;
}
