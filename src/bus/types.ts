import type { TopicEvent } from '../store/types.js';

/** Something that can receive control messages (logout, revocation) from every instance. */
export interface ControlMessage {
  readonly kind: string;
  readonly [key: string]: unknown;
}

/**
 * Carries committed events to the hub of every instance.
 *
 * - `publish` MUST be called only after the event's transaction committed.
 * - Every subscriber on every instance MUST receive each published event once, this instance's
 *   own included; order across instances is not guaranteed (the hub re-sequences by offset).
 * - A subscriber MUST NOT be called re-entrantly from inside `publish` of the same event twice.
 */
export interface Bus {
  /** Delivers to this instance's subscribers at once, then to every other instance (best effort: gaps are filled from the store). */
  publish(event: TopicEvent): void;
  subscribe(deliver: (event: TopicEvent) => void): () => void;
  publishControl(message: ControlMessage): void;
  subscribeControl(deliver: (message: ControlMessage) => void): () => void;
  /** Whether the bus currently reaches the other instances (for /readyz). */
  ready(): boolean;
  /**
   * Called after the bus regained its peers (Redis or the LISTEN connection back): whatever was published meanwhile
   * never arrived, so the caller MUST catch up from the store. Returns an unsubscribe function.
   */
  onResync(listener: () => void): () => void;
  close(): Promise<void>;
}
