/** Presence on entity topics (PRESENCE_*): the grace, the cluster heartbeat, and the bounds. */
import { fail, readInt, type Env } from './read.js';

export interface PresenceConfig {
  /** A connection that goes stays counted this long, so a tab that reconnects does not leave and join again. */
  readonly leaveGraceMs: number;
  /** How often each instance sends its whole local membership to the others. */
  readonly heartbeatMs: number;
  /** An instance not heard from for this long is taken for dead: its members leave. */
  readonly instanceTimeoutMs: number;
  /** Members in a `state` message (the rest is counted, `truncated: true`). */
  readonly maxMembers: number;
  /** Presence topics one connection may watch. */
  readonly maxTopicsPerConnection: number;
  /** Distinct presence topics one user may watch per instance, over all their connections. */
  readonly maxTopicsPerUser: number;
  /** The largest heartbeat control message; a larger membership is sent in several parts. */
  readonly heartbeatMaxBytes: number;
}

export function readPresence(env: Env): PresenceConfig {
  const heartbeatMs = readInt(env, 'PRESENCE_HEARTBEAT_MS', 5000, 100, 600_000);
  const instanceTimeoutMs = readInt(env, 'PRESENCE_INSTANCE_TIMEOUT_MS', 15_000, 200, 3_600_000);
  if (instanceTimeoutMs <= heartbeatMs)
    fail('PRESENCE_INSTANCE_TIMEOUT_MS', `must be more than PRESENCE_HEARTBEAT_MS (${heartbeatMs}), or live instances would expire`);
  return {
    leaveGraceMs: readInt(env, 'PRESENCE_LEAVE_GRACE_MS', 5000, 0, 600_000),
    heartbeatMs,
    instanceTimeoutMs,
    maxMembers: readInt(env, 'PRESENCE_MAX_MEMBERS', 100, 1, 10_000),
    maxTopicsPerConnection: readInt(env, 'PRESENCE_MAX_TOPICS_PER_CONNECTION', 8, 1, 1000),
    maxTopicsPerUser: readInt(env, 'PRESENCE_MAX_TOPICS_PER_USER', 32, 1, 100_000),
    // PostgreSQL's NOTIFY takes at most 8000 bytes; the bus's envelope needs some of them.
    heartbeatMaxBytes: readInt(env, 'PRESENCE_HEARTBEAT_MAX_BYTES', 4096, 1024, 6000),
  };
}
