/**
 * The PostgreSQL bus between two instances on one database, without Redis: each event reaches
 * the other instance once (read from the log, NOTIFY carries only offsets), the publisher's own
 * subscribers once, control messages cross, ws-token ids are one-use across instances, and a
 * LISTEN connection killed with pg_terminate_backend loses nothing published while it was away.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresBus, type PostgresBus } from '../../src/bus/postgres.js';
import type { ControlMessage } from '../../src/bus/types.js';
import type { Logger } from '../../src/shared/logger.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { Store, TopicEvent } from '../../src/store/types.js';
import { createPostgresDatabase } from '../services/database.js';

const warnings: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_obj, msg) => warnings.push(msg ?? ''),
  error: (_obj, msg) => warnings.push(msg ?? ''),
};

describe('postgres bus', () => {
  let url: string;
  let storeA: Store;
  let storeB: Store;
  let a: PostgresBus;
  let b: PostgresBus;
  const gotA: TopicEvent[] = [];
  const gotB: TopicEvent[] = [];

  beforeAll(async () => {
    url = await createPostgresDatabase();
    storeA = await openPostgresStore({ url, eventLogMaxPerTopic: 100_000 });
    storeB = await openPostgresStore({ url, eventLogMaxPerTopic: 100_000 });
    a = await createPostgresBus({ url, log: storeA, logger });
    // Reconnects after 500 ms at the earliest, so the test can publish while it is away.
    b = await createPostgresBus({ url, log: storeB, logger, retryMinMs: 500 });
    a.subscribe((e) => gotA.push(e));
    b.subscribe((e) => gotB.push(e));
  });
  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await Promise.allSettled([storeA?.close(), storeB?.close()]);
  });

  /** Commits `count` events on `topic` through A's store and publishes each, as services/tx.ts does. */
  async function publishOnA(topic: string, count: number): Promise<number[]> {
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) {
      const event = await storeA.write((tx) => tx.appendEvent({ topic, type: 'test', action: 'created', data: { i, pad: 'x'.repeat(9000) } }));
      a.publish(event);
      offsets.push(event.offset);
    }
    return offsets;
  }

  const offsetsOf = (got: readonly TopicEvent[], topic: string): number[] => got.filter((e) => e.topic === topic).map((e) => e.offset);

  it('delivers an event published on A to B once, read from the log, and to A once', async () => {
    const offsets = await publishOnA('t1', 1);
    await expect.poll(() => offsetsOf(gotB, 't1')).toEqual(offsets);
    await new Promise((r) => setTimeout(r, 200));
    expect(offsetsOf(gotA, 't1')).toEqual(offsets);
    expect(offsetsOf(gotB, 't1')).toEqual(offsets);
    // The payload is larger than NOTIFY allows: it came from the log, not the notification.
    expect((gotB.find((e) => e.topic === 't1')?.data as { pad: string }).pad).toHaveLength(9000);
  });

  it('carries a burst of events to B, every offset once and in order', async () => {
    const offsets = await Promise.all([publishOnA('t2', 100), publishOnA('t3', 100)]);
    await expect.poll(() => offsetsOf(gotB, 't2').length, { timeout: 10_000 }).toBe(100);
    await expect.poll(() => offsetsOf(gotB, 't3').length, { timeout: 10_000 }).toBe(100);
    expect(offsetsOf(gotB, 't2')).toEqual(offsets[0]);
    expect(offsetsOf(gotB, 't3')).toEqual(offsets[1]);
  });

  it('carries control messages to the other instance, and to the publisher once', async () => {
    const onA: ControlMessage[] = [];
    const onB: ControlMessage[] = [];
    a.subscribeControl((m) => onA.push(m));
    b.subscribeControl((m) => onB.push(m));
    a.publishControl({ kind: 'test_ping', n: 1 });
    await expect.poll(() => onB.length).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(onA).toEqual([{ kind: 'test_ping', n: 1 }]);
    expect(onB).toEqual([{ kind: 'test_ping', n: 1 }]);
  });

  it('refuses a ws-token id on B that A already claimed', async () => {
    const expiresAtMs = Date.now() + 60_000;
    expect(await a.claimJti('jti-1', expiresAtMs)).toBe(true);
    expect(await b.claimJti('jti-1', expiresAtMs)).toBe(false);
    expect(await a.claimJti('jti-1', expiresAtMs)).toBe(false);
    expect(await b.claimJti('jti-2', expiresAtMs)).toBe(true);
  });

  it('loses nothing published while B’s LISTEN connection was killed, and reports it meanwhile', async () => {
    let resyncs = 0;
    b.onResync(() => (resyncs += 1));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ok: boolean }>(
        'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = current_database() and application_name = $1',
        [`aether-v-listen ${b.instanceId.slice(0, 8)}`],
      );
      expect(rows).toEqual([{ ok: true }]);
    } finally {
      await admin.end();
    }
    await expect.poll(() => b.ready(), { timeout: 2000, interval: 10 }).toBe(false);
    // Published (and NOTIFYed) while B listens to nothing: only the catch-up can bring them.
    const offsets = await publishOnA('t4', 5);
    expect(b.ready()).toBe(false);
    await expect.poll(() => b.ready(), { timeout: 5000 }).toBe(true);
    await expect.poll(() => offsetsOf(gotB, 't4'), { timeout: 5000 }).toEqual(offsets);
    expect(resyncs).toBe(1);
    // Still carried live after the reconnect.
    const after = await publishOnA('t4', 1);
    await expect.poll(() => offsetsOf(gotB, 't4')).toEqual([...offsets, ...after]);
    expect(warnings).toContain('postgres bus: LISTEN connection lost; events from other instances wait for the catch-up');
  });
});
