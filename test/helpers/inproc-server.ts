/** Starts a real server in-process (createServer + listen) with a temp data dir and captured logs. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createServer, type Server, type ServerOverrides } from '../../src/server.js';
import { testDatabaseEnv } from '../services/database.js';
import type { LogCapture } from './log-capture.js';
import { freePort } from '../services/processes.js';

export interface TestServer {
  readonly server: Server;
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A port that was free a moment ago (one implementation, shared by every helper). */
export { freePort };

export async function startServer(env: Record<string, string>, capture: LogCapture, overrides: Omit<ServerOverrides, 'logger'> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-auth-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    ...(env.DATABASE_URL === undefined ? await testDatabaseEnv(dataDir) : {}),
    ...env,
  });
  const server = await createServer(config, { ...overrides, logger: capture.logger });
  const port = await server.listen();
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
