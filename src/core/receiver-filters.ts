/**
 * A `subscribe`'s `filters` option on the request side: checked by the sources (refused: an
 * `error`, and nothing changes), then the connection's. A change of filters on a connection that
 * already has the stream they count resyncs that stream: its next `initial_state` carries the new
 * counts, and every event after it too.
 */
import { ErrorCode } from '../protocol/index.js';
import type { Connection } from './connection.js';
import type { ReceiverFilters, TopicSources } from './sources.js';

/** Filters asked for, checked: what the connection will count and the streams to resync for it. */
export interface FiltersAsk {
  readonly filters: ReceiverFilters | undefined;
  readonly resync: readonly string[];
}

/** The ask of `raw` (undefined: the filters stay), or undefined when refused (the client got an error). */
export function askFilters(conn: Connection, raw: Readonly<Record<string, unknown>> | undefined, sources: TopicSources, ref: string): FiltersAsk | undefined {
  if (raw === undefined) return { filters: conn.filters, resync: [] };
  let filters: ReceiverFilters | undefined;
  if (Object.keys(raw).length > 0) {
    const checked = sources.checkFilters?.(raw) ?? { code: ErrorCode.INVALID_MESSAGE, message: 'this server counts no filters' };
    if ('code' in checked) {
      conn.sendError(checked.code, checked.message, ref);
      return undefined;
    }
    filters = checked;
  }
  const topic = (filters ?? conn.filters)?.topic;
  const changed = (filters?.key ?? '') !== (conn.filters?.key ?? '');
  return { filters, resync: changed && topic !== undefined && conn.stream(topic) !== undefined ? [topic] : [] };
}

/** Makes `ask` the connection's; returns the streams put back to syncing (each needs a snapshot). */
export function applyFilters(conn: Connection, ask: FiltersAsk): readonly string[] {
  conn.setFilters(ask.filters);
  for (const topic of ask.resync) conn.startStream(topic, true);
  return ask.resync;
}
