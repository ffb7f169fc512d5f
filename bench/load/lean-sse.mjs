/**
 * A lean Server-Sent Events client for the load generator: the same shape as LeanConn
 * (lean-ws.mjs), so worker.mjs drives either. One `GET /sse?...` per connection on its own TCP
 * connection (no agent); each SSE event's `data` is one server frame, handed to `onText` like a
 * WebSocket text message; comment-only events (heartbeats) are skipped; the server's last
 * `{"type":"close","code",...}` event ends the connection with that code.
 */
import http from 'node:http';

export class LeanSse {
  /** @param {{host: string, port: number, path: string, headers?: Record<string, string>, onOpen: Function, onText: Function, onClose: Function, wantPayload: Function}} o */
  constructor(o) {
    this.o = o;
    this.open = false;
    this.closed = false;
    this.closeCode = 0;
    this.events = 0;
    this.pending = '';
    this.user = null;
    /** @type {import('node:http').IncomingMessage | null} */
    this.res = null;
    const req = http.request({ host: o.host, port: o.port, path: o.path, agent: false, headers: { accept: 'text/event-stream', ...(o.headers ?? {}) } });
    this.req = req;
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return this.finish(res.statusCode ?? 1006, new Error(`HTTP ${res.statusCode}`));
      }
      this.res = res;
      this.open = true;
      res.setEncoding('utf8');
      res.on('data', (chunk) => this.onData(chunk));
      res.on('end', () => this.finish(this.closeCode || 1006));
      res.on('error', (err) => this.finish(1006, err));
      o.onOpen(this);
    });
    req.on('error', (err) => this.finish(1006, err));
    req.end();
  }

  /** What the worker pauses and resumes (a slow consumer): the response stream. */
  get socket() {
    return this.res ?? { resume() {}, pause() {} };
  }

  onData(chunk) {
    this.pending += chunk;
    let end;
    while (!this.closed && (end = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      this.onEvent(block);
    }
  }

  onEvent(block) {
    let data = '';
    for (const line of block.split('\n')) if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line.startsWith('data: ') ? 6 : 5);
    if (data === '') return; // a heartbeat comment, or the `retry:` hint
    if (data.startsWith('{"type":"close"')) return this.finish(JSON.parse(data).code ?? 1006);
    if (!this.o.wantPayload(this, data.length)) {
      this.events++;
      return;
    }
    const buf = Buffer.from(data);
    this.o.onText(this, buf, 0, buf.length);
  }

  finish(code, err) {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    this.req.destroy();
    this.o.onClose(this, code, err);
  }

  /** SSE has no client frames on the stream; the worker only sends Socket.IO's, never here. */
  send() {}

  pause() {
    this.res?.pause();
  }

  destroy() {
    this.finish(1000);
  }
}
