#!/usr/bin/env node
/** Entry point: configuration from the environment, then serve until SIGTERM/SIGINT, then drain. */
import cluster from 'node:cluster';
import os from 'node:os';
import { runPrimary } from './cluster.js';
import { loadConfig } from './config.js';
import { isAppError } from './shared/errors.js';
import type { Logger } from './shared/logger.js';
import { niceV8Workers, resolveV8WorkerNice } from './shared/v8-worker-priority.js';
import { createLogger } from './http/log.js';
import { createServer } from './server.js';
import { openStore } from './wiring.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (isAppError(err)) {
      process.stderr.write(`aether-v: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // First, while the thread layout is still Node's own (before the logger's or anyone's threads).
  const cpus = os.availableParallelism();
  const v8Nice = resolveV8WorkerNice(config.v8WorkerNice, cpus);
  const priority = niceV8Workers({ nice: v8Nice });
  const logPriority = (logger: Logger): void => {
    if (config.v8WorkerNice === 'auto' && v8Nice === 0) {
      logger.info({ cpus }, "V8 worker threads left at the loop's priority (V8_WORKER_NICE=auto, more than one CPU)");
      return;
    }
    if (v8Nice === 0) return;
    const { threads, nice, skipped } = priority;
    if (skipped === undefined) logger.info({ threads: threads.length, nice }, `V8 worker threads niced to ${nice}`);
    else logger.warn({ threads: threads.length, reason: skipped }, `V8 worker threads not niced: ${skipped}`);
  };
  if (config.workers > 1 && cluster.isPrimary) {
    const logger = createLogger({ debug: config.debug });
    logPriority(logger);
    await runPrimary({ config, logger, prepare: async () => (await openStore(config)).close() });
    return;
  }
  const server = await createServer(config);
  logPriority(server.logger);
  await server.listen();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`aether-v: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
