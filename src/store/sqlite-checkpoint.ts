/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
 * crosses `wal_autocheckpoint` pages and syncs the database file there: on the event loop, a
 * stall of many milliseconds every few hundred writes, which every socket's latency feels. The
 * embedded store turns it off and this worker thread, with its own connection to the same file,
 * runs a PASSIVE checkpoint every `intervalMs` (passive never blocks writers or readers). Closing
 * stops the worker; the store then truncates the WAL itself.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  close(): Promise<void>;
}

// Plain CommonJS for an `eval` worker, so it runs the same from src/ (tests) and dist/.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) {
    // Another connection checkpointing at the same moment (WORKERS=N) is not a failure.
    if (!(err && err.code === 'SQLITE_BUSY')) parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export function startCheckpointer(file: string, intervalMs: number, onError: (message: string) => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, driver } });
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) onError(message.error);
  });
  worker.on('error', (err) => onError(err.message));
  worker.unref();
  return {
    async close() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
