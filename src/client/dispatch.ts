/**
 * From frames to handlers: each message of a frame, in order, checked against the topic's position
 * (an event at or below the last applied offset is dropped), then given to the handlers of its type
 * and of `*`. `connection`, `initial_state` and `resumed` also move the client's own state.
 */
import type { ConnectionMessage, Position, ResumedMessage } from '../protocol/index.js';
import type { Emitter } from './emitter.js';
import { decodeFrame } from './frames.js';
import type { PositionTracker } from './positions.js';
import type { GenericMessage } from './types.js';

/**
 * Returns the function that takes each message event's data (only text frames are read).
 * `onConnection` runs before the handlers see the `connection` message, `onError` after they saw
 * an `error` (whose fields beyond `type` are unchecked).
 */
export function createDispatcher(
  positions: PositionTracker,
  emitter: Emitter<GenericMessage>,
  onConnection: (message: ConnectionMessage) => void,
  onError: (message: GenericMessage) => void,
): (data: unknown) => void {
  /**
   * `resumed.position` is where the log stands after the replay that follows, so only its epoch is
   * taken: the replayed events advance the offset one by one. Without recovery an `initial_state`
   * follows and sets the position.
   */
  function onResumed(message: ResumedMessage): void {
    if (message.recovered) {
      positions.setEpoch(message.topic, message.position.epoch);
      return;
    }
    emitter.emit('resync', { type: 'resync', topic: message.topic, reason: message.reason ?? 'not_recovered' });
  }

  function handle(message: GenericMessage): void {
    const { topic, offset } = message;
    if (message.type !== 'resumed' && typeof topic === 'string' && typeof offset === 'number') {
      if (!positions.accept(topic, offset)) return;
    }
    if (message.type === 'connection') onConnection(message as unknown as ConnectionMessage);
    if (message.type === 'initial_state') {
      const given = (message.positions ?? {}) as Record<string, Position>;
      for (const [name, position] of Object.entries(given)) positions.set(name, position);
    }
    emitter.emit(message.type, message);
    emitter.emit('*', message);
    if (message.type === 'resumed') onResumed(message as unknown as ResumedMessage);
    if (message.type === 'error') onError(message);
  }

  return (data) => {
    if (typeof data !== 'string') return;
    for (const message of decodeFrame(data)) handle(message);
  };
}
