/**
 * One total order per topic across instances: two servers on one PostgreSQL database take writes
 * at the same time, while a reader tails the event log. Every offset exists exactly once, and the
 * reader never sees offset n+1 before n (commit order = offset order, so it can never skip a
 * hole that fills in later).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { onPostgres } from '../services/database.js';

// Runs in the `postgres` project only (vitest.config.ts): two servers in one process on one SQLite
// file would block each other's event loop on the file lock; across processes SQLite's single
// writer gives the same guarantee (see test/scale).
describe('concurrent writers on two instances (PostgreSQL)', () => {
  let a: Running;
  let b: Running;
  beforeAll(async () => {
    if (!onPostgres()) throw new Error('this suite needs TEST_DATABASE=postgres (the postgres vitest project)');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-concurrent-'));
    a = await startInProcess({}, { dataDir });
    b = await startInProcess({}, { dataDir });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('runs on PostgreSQL', () => {
    expect(a.server.store.dialect).toBe('postgres');
    expect(a.server.store.epoch).toBe(b.server.store.epoch);
  });

  it('gives 300 concurrent creates on two instances offsets 1..300 once each, and a tailing reader never skips', async () => {
    const total = 300;
    let writing = true;
    let last = 0;
    const seen: number[] = [];
    const reader = (async () => {
      while (writing || last < total) {
        const { events } = await b.server.store.eventsAfter('notifications', last, 1000);
        for (const event of events) {
          // The page must continue exactly where the reader stopped: no hole it could skip past.
          expect(event.offset).toBe(last + 1);
          last = event.offset;
          seen.push(event.offset);
        }
        if (events.length === 0) await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const create = (i: number) =>
      api(i % 2 === 0 ? a.url : b.url, 'POST', '/api/v1/notifications', { title: `n${i}`, message: 'm', level: 'info', category: 'system' });
    for (let i = 0; i < total; i += 30) {
      const results = await Promise.all(Array.from({ length: 30 }, (_, k) => create(i + k)));
      for (const r of results) expect(r.status).toBe(201);
    }
    writing = false;
    await reader;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect((await a.server.store.heads()).get('notifications')).toBe(total);
  });
});
