/**
 * Where the client stands in each topic's event log, used to drop duplicates and to `resume`.
 * Offsets are compared only within a topic. Gaps are normal (events of other users are not
 * delivered), so only "not newer than what was applied" counts as a duplicate.
 */
import type { Position, Positions } from '../protocol/index.js';

export interface TrackedPosition {
  readonly offset: number;
  /** Unknown until `initial_state` or `resumed` names the log's epoch. */
  readonly epoch: string | null;
}

export interface PositionTracker {
  /** Replaces positions from `initial_state.positions` or a `resumed` answer. */
  set(topic: string, position: Position): void;
  /** Records a topic's epoch, keeping the applied offset (a recovered `resumed`). */
  setEpoch(topic: string, epoch: string): void;
  /** True when an event at `offset` on `topic` is newer than the last applied one; records it. */
  accept(topic: string, offset: number): boolean;
  forget(topic: string): void;
  /** Positions with a known epoch, as sent in `resume`. */
  resumable(): Positions;
  snapshot(): Readonly<Record<string, TrackedPosition>>;
}

export function createPositionTracker(start: Positions = {}): PositionTracker {
  const byTopic = new Map<string, TrackedPosition>(Object.entries(start).map(([t, p]) => [t, { offset: p.offset, epoch: p.epoch }]));
  return {
    set(topic, position) {
      byTopic.set(topic, { offset: position.offset, epoch: position.epoch });
    },
    setEpoch(topic, epoch) {
      byTopic.set(topic, { offset: byTopic.get(topic)?.offset ?? 0, epoch });
    },
    accept(topic, offset) {
      const current = byTopic.get(topic);
      if (current !== undefined && offset <= current.offset) return false;
      byTopic.set(topic, { offset, epoch: current?.epoch ?? null });
      return true;
    },
    forget(topic) {
      byTopic.delete(topic);
    },
    resumable() {
      const out: Record<string, Position> = {};
      for (const [topic, p] of byTopic) if (p.epoch !== null) out[topic] = { offset: p.offset, epoch: p.epoch };
      return out;
    },
    snapshot() {
      return Object.fromEntries(byTopic);
    },
  };
}
