/** Page settings from the URL query, for demos and tests: `?ws_max_attempts=2&ws_base_delay_ms=200&share=0`. */

export interface PageConfig {
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly pingIntervalMs?: number;
  readonly pollIntervalMs: number;
  /** `?transport=sse` or `websocket` fixes the transport; default `auto` (WebSocket, then SSE). */
  readonly transport: 'auto' | 'websocket' | 'sse';
  /** `?share=0` gives this tab a connection of its own instead of the browser's shared one. */
  readonly share: boolean;
}

function int(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= min && value <= max ? value : undefined;
}

export function readConfig(search: string): PageConfig {
  const q = new URLSearchParams(search);
  return {
    maxAttempts: int(q, 'ws_max_attempts', 0, 1000),
    baseDelayMs: int(q, 'ws_base_delay_ms', 10, 600_000),
    maxDelayMs: int(q, 'ws_max_delay_ms', 10, 600_000),
    pingIntervalMs: int(q, 'ws_ping_interval_ms', 1000, 600_000),
    pollIntervalMs: int(q, 'poll_interval_ms', 500, 600_000) ?? 10_000,
    share: q.get('share') !== '0',
    transport: q.get('transport') === 'sse' ? 'sse' : q.get('transport') === 'websocket' ? 'websocket' : 'auto',
  };
}
