/**
 * Scatter and gather (src/composition/scatter.ts) between "instances" on one bus: the asker is done
 * as soon as it and every peer it knows of answered whole, waits the timeout for a known peer that
 * is silent, and without a peer list waits the timeout as before. A long answer arrives whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/bus/memory.js';
import type { Bus } from '../../src/bus/types.js';
import { createScatter, type Scatter } from '../../src/composition/scatter.js';

const TIMEOUT_MS = 400;

/** An instance: a scatter whose control handler answers every `q` with `items`. */
function instance(bus: Bus, id: string, items: readonly unknown[], peers?: () => readonly string[]): Scatter {
  const scatter = createScatter({ bus, instanceId: id, timeoutMs: TIMEOUT_MS, ...(peers === undefined ? {} : { peers }) });
  bus.subscribeControl((m) => {
    if (m.kind === 'q' && typeof m.rid === 'string') scatter.answer(m.rid, items, { n: items.length });
  });
  return scatter;
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

describe('scatter across instances', () => {
  const open: Scatter[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it('is done once it and every known peer answered, long answers whole', async () => {
    const bus = createMemoryBus();
    const long = Array.from({ length: 400 }, (_, i) => ({ i, pad: 'x'.repeat(40) }));
    const a = instance(bus, 'a', [1], () => ['b', 'c']);
    open.push(a, instance(bus, 'b', long), instance(bus, 'c', []));
    const { value, ms } = await timed(a.ask({ kind: 'q' }));
    expect(ms).toBeLessThan(TIMEOUT_MS / 2);
    expect(value.map((x) => x.instance).sort()).toEqual(['a', 'b', 'c']);
    expect(value.find((x) => x.instance === 'b')?.items).toEqual(long);
  });

  it('waits the timeout for a known peer that does not answer, and returns the others', async () => {
    const bus = createMemoryBus();
    const a = instance(bus, 'a', [1], () => ['b', 'gone']);
    open.push(a, instance(bus, 'b', [2]));
    const { value, ms } = await timed(a.ask({ kind: 'q' }));
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(value.map((x) => x.instance).sort()).toEqual(['a', 'b']);
  });

  it('without a peer list waits the timeout, and takes the answers of instances it did not know', async () => {
    const bus = createMemoryBus();
    const a = instance(bus, 'a', [1]);
    open.push(a, instance(bus, 'b', [2]));
    const { value, ms } = await timed(a.ask({ kind: 'q' }));
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(value.map((x) => x.instance).sort()).toEqual(['a', 'b']);
  });
});
