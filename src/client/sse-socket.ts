/**
 * A WebSocketLike over Server-Sent Events, so the link, its reconnect loop, the status and the
 * whole client API stay the same on either transport. It reads GET /sse with `fetch` (a stream
 * body: the same code in browsers and Node 20, and headers are allowed, which `EventSource` does
 * not allow), and sends each client message as POST /sse/{client_id}/subscriptions. The client's
 * own reconnect loop does the reconnecting (with `?resume=`), not the browser's: any end of the
 * stream is a close event, with the server's code when it sent a `close` event.
 */
import type { WebSocketLike } from './types.js';

type Listener<E> = ((event: E) => void) | null;

/** What an SSE socket needs beyond its URL. */
export interface SseSocketOptions {
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Extra headers for the stream and the requests (Node: `Authorization: Bearer …`). */
  readonly headers?: Readonly<Record<string, string>>;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
/** The code of a stream that ended without the server's `close` event (as a WebSocket's 1006). */
const ABNORMAL = 1006;

/** `ws://host/base/ws?…` → `http://host/base/sse?…`. */
export function sseUrlOf(wsUrl: string): URL {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = url.pathname.replace(/\/ws$/, '') + '/sse';
  return url;
}

function problemOf(text: string): string {
  try {
    const detail = (JSON.parse(text) as { detail?: unknown }).detail;
    return typeof detail === 'string' ? detail : text;
  } catch {
    return text;
  }
}

export class SseSocket implements WebSocketLike {
  readyState = CONNECTING;
  onopen: Listener<unknown> = null;
  onmessage: Listener<{ readonly data: unknown }> = null;
  onclose: Listener<{ readonly code: number; readonly reason: string }> = null;
  onerror: Listener<unknown> = null;
  private readonly abort = new AbortController();
  private readonly url: URL;
  private readonly fetch: typeof fetch;
  private clientId: string | undefined = undefined;
  private requests: Promise<void> = Promise.resolve();

  constructor(
    wsUrl: string,
    private readonly options: SseSocketOptions = {},
  ) {
    this.url = sseUrlOf(wsUrl);
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    void this.read();
  }

  send(data: string): void {
    if (this.readyState !== OPEN || this.clientId === undefined) return;
    const clientId = this.clientId;
    this.requests = this.requests.then(() => this.post(clientId, data));
  }

  close(code = 1000, reason = ''): void {
    this.ended(code, reason);
  }

  private ended(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.abort.abort();
    this.onclose?.({ code, reason });
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { ...this.options.headers, ...extra };
  }

  private async read(): Promise<void> {
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        headers: this.headers({ accept: 'text/event-stream' }),
        credentials: 'same-origin',
        cache: 'no-store',
        signal: this.abort.signal,
      });
    } catch (error) {
      return this.ended(ABNORMAL, `SSE request failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok || response.body === null) return this.ended(ABNORMAL, `SSE refused: HTTP ${response.status}`);
    this.readyState = OPEN;
    this.onopen?.({});
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0 && this.readyState === OPEN) {
          this.event(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Aborted or cut: the close below says so.
    }
    this.ended(ABNORMAL, 'SSE stream ended');
  }

  /** One event block: its `data:` lines are one message (comments, `id:` and `retry:` are not used here). */
  private event(block: string): void {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
      .join('\n');
    if (data === '') return;
    if (data.startsWith('{"type":"close"')) {
      const { code, reason } = JSON.parse(data) as { code: number; reason: string };
      return this.ended(code, reason);
    }
    if (data.startsWith('{"type":"connection"')) this.clientId = (JSON.parse(data) as { client_id?: string }).client_id;
    this.onmessage?.({ data });
  }

  /** One client message; a refusal the server does not put on the stream is made into the `error` a socket would get. */
  private async post(clientId: string, body: string): Promise<void> {
    let response: Response;
    try {
      const url = new URL(`${this.url.pathname}/${encodeURIComponent(clientId)}/subscriptions`, this.url);
      response = await this.fetch(url, { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body, credentials: 'same-origin' });
    } catch {
      return; // the stream is going down too, or will tell
    }
    if (response.ok || this.readyState !== OPEN) return;
    const problem = problemOf(await response.text());
    // Not on this instance (or gone): reconnect, which carries the topics and positions.
    if (response.status === 404) return this.ended(ABNORMAL, `SSE stream not found: ${problem}`);
    if (response.status === 429) return; // the stream is closed with 4008
    const ref = (JSON.parse(body) as { type?: string }).type;
    this.onmessage?.({ data: JSON.stringify({ type: 'error', code: response.status === 400 ? 'invalid_message' : 'forbidden', message: problem, ref }) });
  }
}
