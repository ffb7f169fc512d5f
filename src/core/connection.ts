/** Per-connection state: subscriptions and, per log topic, a position and a sync buffer. */
import type { Principal } from '../auth/principal.js';
import type { TopicEvent } from '../store/types.js';
import type { HubSocket } from './socket.js';

/**
 * A log topic as one connection receives it. While `syncing` (snapshot or replay in flight),
 * events are buffered; `position` is the last offset the connection has been given.
 */
export interface Stream {
  mode: 'syncing' | 'live';
  position: number;
  buffer: TopicEvent[];
}

export interface Connection {
  readonly id: string;
  readonly principal: Principal;
  readonly socket: HubSocket;
  readonly connectedAt: number;
  readonly subscriptions: Set<string>;
  readonly streams: Map<string, Stream>;
  /** Snapshot and resume work, run one after another so their frames never interleave. */
  sync: Promise<void>;
  closed: boolean;
}

export function createConnection(id: string, principal: Principal, socket: HubSocket, now: number): Connection {
  return { id, principal, socket, connectedAt: now, subscriptions: new Set(), streams: new Map(), sync: Promise.resolve(), closed: false };
}
