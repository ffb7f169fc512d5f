/** The chaos harness in its short form (CHAOS_DURATION_MS and CHAOS_CLIENTS make it longer). */
import { expect, it } from 'vitest';
import { runChaos } from './harness.js';

const durationMs = Number(process.env.CHAOS_DURATION_MS ?? 25_000);
const clients = Number(process.env.CHAOS_CLIENTS ?? 40);

it(
  `keeps ${clients} clients equal to the database through kills, restarts, drops and stalls`,
  async () => {
    const report = await runChaos({
      clients,
      durationMs,
      restartEveryMs: Math.max(3000, durationMs / 6),
      minRestarts: 3,
      log: (l) => console.log(`chaos: ${l}`),
    });
    console.log(`chaos: ${JSON.stringify(report.counts)}`);
    if (report.errors.length > 0) console.log(`chaos errors (first 20):\n${report.errors.slice(0, 20).join('\n')}`);
    expect(report.errors).toEqual([]);
    expect(report.counts.restarts).toBeGreaterThanOrEqual(3);
    expect(report.counts.kills).toBeGreaterThanOrEqual(1);
    expect(report.counts.events).toBeGreaterThan(0);
  },
  // Twice the duration (the run may go on until its third restart), then the driver's patience and the settling.
  2 * durationMs + 120_000,
);
