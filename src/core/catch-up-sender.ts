/**
 * Sending a catch-up (a replay, or the events buffered behind a snapshot or replay) to one
 * connection at its gate's pace (pacer.ts), and turning the stream live once its buffer is sent.
 */
import type { TopicEvent } from '../store/types.js';
import type { Connection } from './connection.js';
import type { EventFrames } from './frames.js';
import type { Gate } from './pacer.js';
import type { TopicSources } from './sources.js';
import { live, type Stream } from './streams.js';

export interface CatchUpSender {
  /** Sends one event of a catch-up at the gate's pace; false once the connection is gone. */
  send(conn: Connection, stream: Stream, gate: Gate, event: TopicEvent): Promise<boolean>;
  /** Sends buffered events past the stream's position (more may arrive meanwhile), then marks it live. */
  flush(conn: Connection, stream: Stream, gate: Gate): Promise<void>;
}

export function createCatchUpSender(sources: TopicSources, framesOf: (event: TopicEvent) => EventFrames): CatchUpSender {
  async function send(conn: Connection, stream: Stream, gate: Gate, event: TopicEvent): Promise<boolean> {
    if (!(await gate.next())) return false;
    const extras = await sources.extras(event, conn.principal, conn.filters);
    if (conn.closed) return false;
    stream.position = event.offset;
    conn.send(framesOf(event).bytes(extras));
    return true;
  }

  async function flush(conn: Connection, stream: Stream, gate: Gate): Promise<void> {
    const buffer = stream.buffer;
    for (let i = 0; i < buffer.length; i += 1) {
      const event = buffer[i] as TopicEvent;
      if (event.offset > stream.position && !(await send(conn, stream, gate, event))) return;
    }
    live(stream);
  }

  return { send, flush };
}
