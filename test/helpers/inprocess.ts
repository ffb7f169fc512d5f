/**
 * Starts the real server in this process on a free loopback port, with its own temporary data
 * directory. `env` overrides the configuration exactly as environment variables would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/log.js';
import { createServer, type Server } from '../../src/server.js';
import { testDatabaseEnv } from '../services/database.js';

export interface Running {
  readonly server: Server;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  /** Every log line the server wrote. */
  readonly logs: string[];
  close(): Promise<void>;
  /** Stops and starts again on the same data directory (new port). */
  restart(): Promise<Running>;
}

export const DEV_ENV = { AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true', HOST: '127.0.0.1', PORT: '0' } as const;

export async function startInProcess(
  env: Record<string, string> = {},
  options: { dataDir?: string; authenticator?: Authenticator; now?: () => Date } = {},
): Promise<Running> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aether-test-'));
  // A fresh PostgreSQL database on the postgres project; a restart keeps it (it is in `env` then).
  if (env.DATABASE_URL === undefined) env = { ...env, ...(await testDatabaseEnv(dataDir)) };
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ ...DEV_ENV, DATA_DIR: dataDir, DEBUG: 'true', ...env });
  const overrides = {
    logger: createLogger({ debug: true, destination }),
    ...(options.authenticator ? { authenticator: options.authenticator } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
  const server = await createServer(config, overrides);
  const port = await server.listen();
  const running: Running = {
    server,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    dataDir,
    logs,
    close: () => server.close(),
    async restart() {
      await server.close();
      return startInProcess(env, { ...options, dataDir });
    },
  };
  return running;
}

/** JSON request helper returning status, headers and parsed body. */
export async function api(
  base: string,
  method: string,
  pathname: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + pathname, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
