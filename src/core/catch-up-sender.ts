/**
 * Sending a catch-up (a replay, or the events buffered behind a snapshot or replay) to one
 * connection at its gate's pace (pacer.ts), and turning the stream live once its buffer is sent.
 * A frame whose gate and extras answer at once is sent without a promise or a turn of the loop,
 * so a small catch-up (a client away a few seconds) costs a loop over its frames and no more.
 */
import type { TopicEvent } from '../store/types.js';
import type { Connection } from './connection.js';
import type { EventFrames, Extras } from './frames.js';
import type { Gate } from './pacer.js';
import type { TopicSources } from './sources.js';
import { live, type Stream } from './streams.js';

export interface CatchUpSender {
  /** Sends one event of a catch-up at the gate's pace; false once the connection is gone (a promise when it had to wait). */
  send(conn: Connection, stream: Stream, gate: Gate, event: TopicEvent): boolean | Promise<boolean>;
  /** Sends buffered events past the stream's position (more may arrive meanwhile), then marks it live. */
  flush(conn: Connection, stream: Stream, gate: Gate): Promise<void>;
}

export function createCatchUpSender(sources: TopicSources, framesOf: (event: TopicEvent) => EventFrames): CatchUpSender {
  function put(conn: Connection, stream: Stream, event: TopicEvent, extras: Extras): boolean {
    if (conn.isClosed) return false;
    stream.position = event.offset;
    conn.send(framesOf(event).bytes(extras));
    return true;
  }

  function withExtras(conn: Connection, stream: Stream, event: TopicEvent): boolean | Promise<boolean> {
    const extras = sources.extras(event, conn.principal, conn.filters);
    return extras instanceof Promise ? extras.then((e) => put(conn, stream, event, e)) : put(conn, stream, event, extras);
  }

  function send(conn: Connection, stream: Stream, gate: Gate, event: TopicEvent): boolean | Promise<boolean> {
    const go = gate.next();
    if (go instanceof Promise) return go.then((ok) => ok && withExtras(conn, stream, event));
    return go && withExtras(conn, stream, event);
  }

  async function flush(conn: Connection, stream: Stream, gate: Gate): Promise<void> {
    const buffer = stream.buffer;
    for (let i = 0; i < buffer.length; i += 1) {
      const event = buffer[i] as TopicEvent;
      if (event.offset <= stream.position) continue;
      const sent = send(conn, stream, gate, event);
      if (!(sent instanceof Promise ? await sent : sent)) return;
    }
    live(stream);
  }

  return { send, flush };
}
