#!/usr/bin/env node
/** Entry point: configuration from the environment, then serve until SIGTERM/SIGINT, then drain. */
import cluster from 'node:cluster';
import { runPrimary } from './cluster.js';
import { loadConfig } from './config.js';
import { isAppError } from './shared/errors.js';
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
  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary({ config, logger: createLogger({ debug: config.debug }), prepare: async () => (await openStore(config)).close() });
    return;
  }
  const server = await createServer(config);
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
