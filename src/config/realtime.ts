/** The live send path's options (WS_BATCH_*, WS_BURST_*, WS_COMPRESSION*, SSE_HEARTBEAT_MS, RESUME_RING_*). */
import { readBool, readInt, type Env } from './read.js';

export interface Realtime {
  /** Events of one topic within this window go out as one `batch` frame; 0 sends each at once. */
  readonly wsBatchWindowMs: number;
  /** In a burst, a corked socket's frames wait up to this many event-loop turns for more (1 = no hold). */
  readonly wsBurstHoldTurns: number;
  /** ...and at most this long. */
  readonly wsBurstHoldMs: number;
  /** permessage-deflate for /ws. */
  readonly wsCompression: boolean;
  /** Frames smaller than this are sent uncompressed even with compression on. */
  readonly wsCompressionThresholdBytes: number;
  /** A comment line goes to every /sse stream this often, so proxies keep it open. */
  readonly sseHeartbeatMs: number;
  /** Recent events kept in memory per log topic for resumes (0 = off; capped by EVENT_LOG_RETENTION_COUNT). */
  readonly resumeRingEvents: number;
  /** Bytes of frames those recent events may hold per log topic. */
  readonly resumeRingBytes: number;
}

export function readRealtime(env: Env): Realtime {
  return {
    wsBatchWindowMs: readInt(env, 'WS_BATCH_WINDOW_MS', 0, 0, 1000),
    wsBurstHoldTurns: readInt(env, 'WS_BURST_HOLD_TURNS', 8, 1, 64),
    wsBurstHoldMs: readInt(env, 'WS_BURST_HOLD_MS', 100, 0, 1000),
    wsCompression: readBool(env, 'WS_COMPRESSION', false),
    wsCompressionThresholdBytes: readInt(env, 'WS_COMPRESSION_THRESHOLD_BYTES', 1024, 0, 64 * 1024 * 1024),
    sseHeartbeatMs: readInt(env, 'SSE_HEARTBEAT_MS', 15_000, 100, 300_000),
    resumeRingEvents: readInt(env, 'RESUME_RING_EVENTS', 1000, 0, 100_000),
    resumeRingBytes: readInt(env, 'RESUME_RING_BYTES', 1024 * 1024, 0, 256 * 1024 * 1024),
  };
}
