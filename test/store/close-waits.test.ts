/** Closing the store lets writes already begun commit (a graceful stop under load), then closes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';

describe('store close', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('waits for a write in flight: it commits and is there after a reopen', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-close-'));
    const file = path.join(dir, 'db.sqlite');
    const store = await openSqliteStore({ file, eventLogMaxPerTopic: 1000 });
    const write = store.write(async (tx) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return tx.appendEvent({ topic: 'notifications', type: 'notification', action: 'created', data: { n: 1 } });
    });
    await new Promise((resolve) => setImmediate(resolve));
    const closed = store.close();
    await expect(write).resolves.toMatchObject({ offset: 1 });
    await closed;
    const again = await openSqliteStore({ file, eventLogMaxPerTopic: 1000 });
    expect((await again.heads()).get('notifications')).toBe(1);
    await again.close();
  });
});
