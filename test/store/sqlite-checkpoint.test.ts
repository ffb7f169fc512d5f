/**
 * WAL checkpoints run in the worker thread: with SQLite's automatic checkpoint off, only the
 * worker moves pages from the WAL into the database file, so the file growing while the process
 * does nothing but wait shows the worker at work, and the event loop never paid for it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotificationService } from '../../src/services/notifications.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('SQLite WAL checkpoints off the event loop', () => {
  let store: Store | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    store = undefined;
  });

  async function writeSome(intervalMs: number): Promise<{ file: string; sizeAfterWrites: number }> {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-ckpt-'));
    const file = path.join(dir, 'db.sqlite');
    store = await openSqliteStore({ file, eventLogMaxPerTopic: 100_000, checkpointIntervalMs: intervalMs });
    const service = createNotificationService({ store, bus: { publish() {} } as never, retention: { maxCount: 100_000, maxAgeDays: 30 }, logger: quiet });
    for (let i = 0; i < 300; i++) await service.createNotification({ title: `n${i}`, message: 'x'.repeat(500) });
    return { file, sizeAfterWrites: fs.statSync(file).size };
  }

  it('moves the WAL into the database file from the worker', async () => {
    const { file, sizeAfterWrites } = await writeSome(100);
    const deadline = Date.now() + 5000;
    while (fs.statSync(file).size <= sizeAfterWrites && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(fs.statSync(file).size).toBeGreaterThan(sizeAfterWrites);
  });

  it('leaves nothing behind on close that a reopen cannot read', async () => {
    const { file } = await writeSome(100);
    await store?.close();
    store = await openSqliteStore({ file, eventLogMaxPerTopic: 100_000 });
    expect(await store.read((tx) => tx.notifications.unreadCount('anyone'))).toBe(300);
  });
});
