/**
 * A lean Server-Sent Events client for the load generator, the same shape as LeanConn
 * (lean-ws.mjs) so worker.mjs drives either: one `GET /sse?...` per raw TCP connection. Each SSE
 * event's `data` is one server frame, handed to `onText` like a WebSocket text message;
 * comment-only events (heartbeats) are skipped; the server's last `{"type":"close","code",...}`
 * event ends the connection with that code.
 *
 * Node's http client costs several µs per body chunk, and ours writes three chunks per event
 * (`id:…data: `, the frame, `\n\n`), which made the load generator, not the server, the limit at
 * 100k events/s. So, as lean-ws.mjs skips payloads it does not want, a connection that only
 * counts (ready, not sampling) counts in the raw bytes the chunk that ends every event,
 * `2\r\n\n\n\r\n` (JSON holds no raw line break, a heartbeat is `:\n\n`, so nothing else matches),
 * and never decodes the body; the others decode the chunked body and parse the events.
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';

const EVENT_END = Buffer.from('2\r\n\n\n\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export class LeanSse {
  /** @param {{host: string, port: number, path: string, headers?: Record<string, string>, onOpen: Function, onText: Function, onClose: Function, wantPayload: Function}} o */
  constructor(o) {
    this.o = o;
    this.open = false;
    this.closed = false;
    this.closeCode = 0;
    this.events = 0;
    this.user = null;
    /** @type {Buffer} response head bytes until the blank line */
    this.head = Buffer.alloc(0);
    this.counting = false;
    /** @type {Buffer} the last bytes seen while counting, for a marker split between reads */
    this.tail = Buffer.alloc(0);
    // Chunked decoding: bytes left in the current chunk, CRLF bytes to skip after it, the size line so far.
    this.need = 0;
    this.skip = 0;
    this.sizeLine = '';
    this.pending = '';
    this.decoder = new StringDecoder('utf8');
    let req = `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nAccept: text/event-stream\r\n`;
    for (const [k, v] of Object.entries(o.headers ?? {})) req += `${k}: ${v}\r\n`;
    const socket = net.connect({ host: o.host, port: o.port, noDelay: true });
    this.socket = socket;
    socket.on('connect', () => socket.write(`${req}\r\n`));
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.finish(1006, err));
    socket.on('close', () => this.finish(this.closeCode || 1006));
  }

  /** @param {Buffer} chunk */
  onData(chunk) {
    if (this.counting) return this.count(chunk);
    if (this.open) return this.chunked(chunk);
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf(HEAD_END);
    if (end < 0) return;
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(this.head.toString('latin1', 0, 16))?.[1] ?? 0);
    if (status !== 200) return this.finish(status || 1006, new Error(`HTTP ${status}`));
    const rest = this.head.subarray(end + HEAD_END.length);
    this.open = true;
    this.o.onOpen(this);
    if (rest.length > 0) this.chunked(rest);
  }

  /** Counts the events in raw bytes without decoding them. */
  count(chunk) {
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    for (let at = buf.indexOf(EVENT_END); at >= 0; at = buf.indexOf(EVENT_END, at + 1)) this.events++;
    this.tail = buf.subarray(Math.max(0, buf.length - EVENT_END.length + 1));
  }

  /** Decodes the chunked body; at a chunk boundary with nothing pending, a counting connection stops decoding. */
  chunked(buf) {
    let i = 0;
    while (i < buf.length && !this.closed) {
      if (this.need > 0) {
        const n = Math.min(this.need, buf.length - i);
        this.body(buf.subarray(i, i + n));
        i += n;
        this.need -= n;
        if (this.need === 0) this.skip = 2;
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        i += n;
        this.skip -= n;
        if (this.skip === 0 && this.pending === '' && !this.o.wantPayload(this, Infinity)) {
          this.counting = true;
          return this.count(buf.subarray(i));
        }
        continue;
      }
      const nl = buf.indexOf(10, i);
      if (nl < 0) {
        this.sizeLine += buf.toString('latin1', i);
        return;
      }
      const size = parseInt(this.sizeLine + buf.toString('latin1', i, nl), 16);
      this.sizeLine = '';
      i = nl + 1;
      if (!(size > 0)) return this.finish(this.closeCode || 1006); // the body's last chunk
      this.need = size;
    }
  }

  body(bytes) {
    this.pending += this.decoder.write(bytes);
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
    this.socket.destroy();
    this.o.onClose(this, code, err);
  }

  /** SSE has no client frames on the stream; the worker sends only Socket.IO's, never here. */
  send() {}

  pause() {
    this.socket.pause();
  }

  destroy() {
    this.finish(1000);
  }
}
