/**
 * A lean WebSocket client over a raw TCP socket, for the load generator only.
 *
 * Server frames are unmasked, so reading one is a header decode and a skip: a counting
 * connection never copies or decodes the payload. A sampling connection gets the payload
 * as a Buffer slice. Pings are answered with pongs, close frames end the socket. Client
 * frames (pong, close, Socket.IO's "3"/"40") are masked as RFC 6455 requires.
 */
import net from 'node:net';
import crypto from 'node:crypto';

const EMPTY = Buffer.alloc(0);

/** A masked client frame. */
export function clientFrame(opcode, payload) {
  const len = payload.length;
  const headerLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLen + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(len, 6);
  }
  const mask = crypto.randomBytes(4);
  mask.copy(out, headerLen);
  for (let i = 0; i < len; i++) out[headerLen + 4 + i] = /** @type {number} */ (payload[i]) ^ /** @type {number} */ (mask[i & 3]);
  return out;
}

/**
 * Opens one connection.
 * @param {object} o
 * @param {string} o.host
 * @param {number} o.port
 * @param {string} o.path   request path with query
 * @param {Record<string,string>} [o.headers]
 * @param {(conn: LeanConn) => void} o.onOpen          handshake done (101 received)
 * @param {(conn: LeanConn, buf: Buffer, start: number, end: number) => void} o.onText  one text message
 * @param {(conn: LeanConn, code: number, err?: Error) => void} o.onClose
 * @param {(conn: LeanConn, length: number) => boolean} o.wantPayload  whether onText is called for this message
 */
export class LeanConn {
  constructor(o) {
    this.o = o;
    this.open = false;
    this.closed = false;
    this.closeCode = 0;
    this.events = 0; // text messages counted while not delivering payloads
    this.pending = EMPTY;
    this.fragments = null;
    this.user = null; // per-connection state owned by the caller
    const key = crypto.randomBytes(16).toString('base64');
    let req = `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
    for (const [k, v] of Object.entries(o.headers ?? {})) req += `${k}: ${v}\r\n`;
    req += '\r\n';
    const socket = net.connect({ host: o.host, port: o.port, noDelay: true });
    this.socket = socket;
    socket.on('connect', () => socket.write(req));
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.finish(1006, err));
    socket.on('close', () => this.finish(this.closeCode || 1006));
  }

  finish(code, err) {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    this.socket.destroy();
    this.o.onClose(this, code, err);
  }

  send(text) {
    if (!this.closed) this.socket.write(clientFrame(0x1, Buffer.from(text)));
  }

  pause() {
    this.socket.pause();
  }

  destroy() {
    this.socket.destroy();
  }

  onData(chunk) {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let i = 0;
    if (!this.open) {
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) {
        this.pending = buf;
        return;
      }
      const head = buf.toString('latin1', 0, end);
      if (!head.startsWith('HTTP/1.1 101')) {
        // Refused with an HTTP answer: the failure's cause names its status ("HTTP 503").
        const line = head.split('\r\n')[0] ?? '';
        this.finish(4999, Object.assign(new Error(line), { code: `HTTP ${line.split(' ')[1] ?? '?'}` }));
        return;
      }
      this.open = true;
      i = end + 4;
      this.o.onOpen(this);
    }
    const n = buf.length;
    while (n - i >= 2) {
      const b0 = buf[i];
      let len = buf[i + 1] & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (n - i < 4) break;
        len = buf.readUInt16BE(i + 2);
        hdr = 4;
      } else if (len === 127) {
        if (n - i < 10) break;
        len = buf.readUInt32BE(i + 6) + buf.readUInt32BE(i + 2) * 4294967296;
        hdr = 10;
      }
      if (n - i < hdr + len) break;
      const start = i + hdr;
      const end = start + len;
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      i = end;
      if (opcode === 0x1 || opcode === 0x0) {
        if (!fin || this.fragments !== null) {
          // Fragmented message: rare here (servers send whole frames); reassemble.
          (this.fragments ??= []).push(buf.subarray(start, end));
          if (!fin) continue;
          const whole = Buffer.concat(this.fragments);
          this.fragments = null;
          this.text(whole, 0, whole.length);
        } else this.text(buf, start, end);
      } else if (opcode === 0x9) {
        this.socket.write(clientFrame(0xa, Buffer.from(buf.subarray(start, end))));
      } else if (opcode === 0x8) {
        const code = len >= 2 ? buf.readUInt16BE(start) : 1005;
        this.closeCode = code;
        if (!this.closed) this.socket.end(clientFrame(0x8, Buffer.from(buf.subarray(start, Math.min(end, start + 2)))));
        this.finish(code);
        return;
      }
    }
    this.pending = i >= n ? EMPTY : Buffer.from(buf.subarray(i));
  }

  text(buf, start, end) {
    if (this.o.wantPayload(this, end - start)) this.o.onText(this, buf, start, end);
    else this.events++;
  }
}
