/**
 * A test client for GET /sse over a real socket (node:http): parses the event stream, queues
 * every message (the JSON of each `data:`), remembers the last `id:`, and lets a test wait for the
 * next message matching a predicate without races. `paused` opens the stream and never reads it
 * (a slow consumer).
 */
import http from 'node:http';

export type SseMsg = Record<string, unknown> & { type: string };

export interface SseClient {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The last `id:` received (what a browser would send as Last-Event-ID). */
  readonly lastId: string | undefined;
  /** Every message received so far, with the id in force when it arrived. */
  readonly received: readonly { msg: SseMsg; id: string | undefined }[];
  /** Comment lines (heartbeats) received. */
  readonly comments: number;
  next(match?: (m: SseMsg) => boolean, timeoutMs?: number): Promise<SseMsg>;
  /** Resolves when the server ends the stream (or the socket closes). */
  readonly ended: Promise<void>;
  /** Drops the connection (as a browser tab that goes away). */
  close(): void;
}

export function openSse(url: string, options: { headers?: Record<string, string>; paused?: boolean } = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...options.headers } }, (res) => {
      const queue: SseMsg[] = [];
      const received: { msg: SseMsg; id: string | undefined }[] = [];
      const waiters: { match: (m: SseMsg) => boolean; resolve: (m: SseMsg) => void }[] = [];
      let buffer = '';
      let lastId: string | undefined;
      let comments = 0;
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
        // A paused response emits neither 'end' nor 'close' while unread: watch the socket too.
        res.socket.once('close', done);
      });
      const dispatch = (block: string): void => {
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments += 1;
          else if (line.startsWith('id: ')) lastId = line.slice(4);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length === 0) return;
        const msg = JSON.parse(data.join('\n')) as SseMsg;
        received.push({ msg, id: lastId });
        const i = waiters.findIndex((w) => w.match(msg));
        if (i >= 0) waiters.splice(i, 1)[0]?.resolve(msg);
        else queue.push(msg);
      };
      res.setEncoding('utf8');
      if (options.paused !== true) {
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
      } else res.pause();
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        get lastId() {
          return lastId;
        },
        received,
        get comments() {
          return comments;
        },
        ended,
        next(match = () => true, timeoutMs = 5000) {
          const i = queue.findIndex(match);
          if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0] as SseMsg);
          return new Promise<SseMsg>((done, fail) => {
            const waiter = {
              match,
              resolve: (m: SseMsg) => {
                clearTimeout(timer);
                done(m);
              },
            };
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              fail(new Error(`no matching SSE message within ${timeoutMs} ms; queued: ${JSON.stringify(queue).slice(0, 500)}`));
            }, timeoutMs);
            waiters.push(waiter);
          });
        },
        close() {
          request.destroy();
        },
      });
    });
    request.on('error', reject);
  });
}
