/**
 * `WORKERS=N`: the primary process forks N workers that all serve one port (node:cluster hands
 * out connections). On SQLite without Redis, the primary relays each worker's bus messages to the
 * others (the IPC bus) and keeps the shared used-ws-token set and rate-limit counters; with Redis,
 * or on PostgreSQL, the workers use Redis or PostgreSQL like separate instances. The primary migrates the database once before
 * forking, restarts a worker that dies, collects every worker's metrics for the `/metrics` a
 * worker answers, and on SIGTERM/SIGINT lets every worker drain.
 */
import cluster, { type Worker } from 'node:cluster';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { createJtiRegistry, JTI_CLAIM } from './auth/ipc-claim.js';
import { isIpcEnvelope } from './bus/ipc.js';
import type { Config } from './config.js';
import type { Logger } from './shared/logger.js';
import { clusterMetricsCollector, METRICS_REQUEST } from './http/metrics-cluster.js';
import { answerIpcRequest, isIpcRequest, type IpcHandlers } from './ipc-request.js';

const RESTART_DELAY_MS = 500;

export interface ClusterOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Runs once in the primary before forking (migrations). */
  readonly prepare: () => Promise<void>;
}

/** Runs the primary; resolves when every worker has exited after a stop signal. */
export async function runPrimary(options: ClusterOptions): Promise<void> {
  const { config, logger } = options;
  await options.prepare();
  if (config.redis === undefined && config.database.kind === 'sqlite') new RateLimiterClusterMaster();
  const handlers: IpcHandlers = { [JTI_CLAIM]: createJtiRegistry(), [METRICS_REQUEST]: clusterMetricsCollector() };
  let stopping = false;

  function relay(from: Worker, message: unknown): void {
    if (isIpcEnvelope(message)) {
      for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined && worker !== from && worker.isConnected()) worker.send(message);
    } else if (isIpcRequest(message)) {
      void answerIpcRequest(message, handlers, (reply) => {
        if (from.isConnected()) from.send(reply);
      });
    }
  }

  // On SQLite the primary picks the one worker that runs jobs; its replacement inherits the role.
  let jobRunner: Worker | undefined;
  const fork = (): Worker => {
    const runsJobs = config.database.kind === 'sqlite' && (jobRunner === undefined || jobRunner.isDead());
    const worker = cluster.fork({ AETHER_JOB_RUNNER: runsJobs ? '1' : '0' });
    if (runsJobs) jobRunner = worker;
    return worker;
  };
  cluster.on('message', relay);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (!Object.values(cluster.workers ?? {}).some((w) => w !== undefined && !w.isDead())) process.exit(0);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'worker died; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS);
  });
  let listening = 0;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === config.workers) logger.info({ workers: config.workers }, `cluster ready: ${config.workers} workers listening`);
  });
  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers, port: config.port }, `cluster primary started ${config.workers} workers`);

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    // A worker's stop waits for its sockets' close handshakes, then for its requests.
    setTimeout(() => process.exit(1), config.shutdownCloseWaitMs + config.shutdownTimeoutMs + 5000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
