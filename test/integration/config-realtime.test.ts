/** Configuration of jobs, the simulator, batches and compression. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const dev = { AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' };

describe('jobs and realtime config', () => {
  it('defaults: batches and compression off, bursts held 8 turns / 100 ms, 1 KiB threshold, 500 ms job tick, 3 s simulator', () => {
    expect(loadConfig(dev)).toMatchObject({
      realtime: {
        wsBatchWindowMs: 0,
        wsBurstHoldTurns: 8,
        wsBurstHoldMs: 100,
        wsCompression: false,
        wsCompressionThresholdBytes: 1024,
        sseHeartbeatMs: 15_000,
        resumeRingEvents: 1000,
        resumeRingBytes: 1_048_576,
      },
      jobs: { tickMs: 500, snapshotLimit: 50, simulatorIntervalMs: 3000, hostStaleAfterMs: 0, retentionDays: 30 },
    });
  });
  it('reads every variable', () => {
    const c = loadConfig({
      ...dev,
      WS_BATCH_WINDOW_MS: '25',
      WS_BURST_HOLD_TURNS: '1',
      WS_BURST_HOLD_MS: '0',
      WS_COMPRESSION: 'true',
      WS_COMPRESSION_THRESHOLD_BYTES: '0',
      SSE_HEARTBEAT_MS: '5000',
      RESUME_RING_EVENTS: '200',
      RESUME_RING_BYTES: '65536',
      JOB_TICK_MS: '20',
      JOBS_SNAPSHOT_LIMIT: '5',
      SIMULATOR_INTERVAL_MS: '0',
      HOST_STALE_AFTER_MS: '60000',
      JOB_RETENTION_DAYS: '7',
    });
    expect(c.realtime).toEqual({
      wsBatchWindowMs: 25,
      wsBurstHoldTurns: 1,
      wsBurstHoldMs: 0,
      wsCompression: true,
      wsCompressionThresholdBytes: 0,
      sseHeartbeatMs: 5000,
      resumeRingEvents: 200,
      resumeRingBytes: 65536,
    });
    expect(c.jobs).toEqual({ tickMs: 20, snapshotLimit: 5, simulatorIntervalMs: 0, hostStaleAfterMs: 60000, retentionDays: 7 });
  });
  it('fails fast naming the variable', () => {
    expect(() => loadConfig({ ...dev, WS_BATCH_WINDOW_MS: '5000' })).toThrow(/WS_BATCH_WINDOW_MS: expected an integer from 0 to 1000/);
    expect(() => loadConfig({ ...dev, WS_BURST_HOLD_TURNS: '0' })).toThrow(/WS_BURST_HOLD_TURNS: expected an integer from 1 to 64/);
    expect(() => loadConfig({ ...dev, WS_BURST_HOLD_MS: '5000' })).toThrow(/WS_BURST_HOLD_MS: expected an integer from 0 to 1000/);
    expect(() => loadConfig({ ...dev, WS_COMPRESSION: 'maybe' })).toThrow(/WS_COMPRESSION: expected true or false/);
    expect(() => loadConfig({ ...dev, WS_COMPRESSION_THRESHOLD_BYTES: '-1' })).toThrow(/WS_COMPRESSION_THRESHOLD_BYTES/);
    expect(() => loadConfig({ ...dev, SSE_HEARTBEAT_MS: '50' })).toThrow(/SSE_HEARTBEAT_MS: expected an integer from 100 to 300000/);
    expect(() => loadConfig({ ...dev, JOB_TICK_MS: '0' })).toThrow(/JOB_TICK_MS/);
    expect(() => loadConfig({ ...dev, JOBS_SNAPSHOT_LIMIT: 'all' })).toThrow(/JOBS_SNAPSHOT_LIMIT/);
    expect(() => loadConfig({ ...dev, SIMULATOR_INTERVAL_MS: '1.5' })).toThrow(/SIMULATOR_INTERVAL_MS/);
    expect(() => loadConfig({ ...dev, HOST_STALE_AFTER_MS: '-5' })).toThrow(/HOST_STALE_AFTER_MS/);
    expect(() => loadConfig({ ...dev, JOB_RETENTION_DAYS: '0' })).toThrow(/JOB_RETENTION_DAYS/);
  });
});
