/**
 * Load-generator child process. Holds many lean WebSocket connections (or SSE streams, lean-sse.mjs): most only count frames,
 * one in `sampleEvery` parses each message and records latency from the publisher's timestamp
 * (`data.metadata.t`, ms on the performance.timeOrigin + performance.now() clock).
 *
 * Driven by the orchestrator over IPC: {id, cmd, ...} → {id, ...reply}. Exits on 'exit' or when
 * the orchestrator goes away.
 */
import { performance } from 'node:perf_hooks';
import { LeanConn } from './lean-ws.mjs';
import { LeanSse } from './lean-sse.mjs';

const nowMs = () => performance.timeOrigin + performance.now();

/** @type {Set<LeanConn | LeanSse>} */
let conns = new Set();
let latencies = [];
let knownPosition = null; // {offset, epoch} of the notifications topic, from samples
const closeCodes = new Map();

function reply(id, body) {
  process.send?.({ id, ...body });
}

function parseMessage(u, text) {
  // Socket.IO: '42["name",payload]'; plain: JSON object.
  if (u.protocol === 'sio') {
    if (!text.startsWith('42')) return null;
    const arr = JSON.parse(text.slice(2));
    return arr[0] === 'notification' ? arr[1] : { type: arr[0], ...(arr[1] ?? {}) };
  }
  return JSON.parse(text);
}

function onText(conn, buf, start, end) {
  const u = conn.user;
  const text = buf.toString('utf8', start, end);
  if (u.protocol === 'sio') {
    if (text === '2') return conn.send('3');
    if (text.charCodeAt(0) === 48 /* '0' open */) return conn.send('40');
    if (text.startsWith('40') || text.startsWith('41') || text.startsWith('44')) {
      if (!text.startsWith('40')) conn.user.error = text.slice(0, 200);
      return;
    }
  }
  if (!u.ready) {
    if (text.includes('"initial_state"') || text.includes('"resumed"')) {
      u.ready = true;
      u.readyAt = nowMs();
      if (u.sample || u.resume) {
        const msg = parseMessage(u, text);
        const pos = msg?.positions?.notifications ?? msg?.position;
        if (pos && typeof pos.epoch === 'string') {
          if (knownPosition === null || pos.offset > knownPosition.offset) knownPosition = { offset: pos.offset, epoch: pos.epoch };
        }
      }
    }
    return;
  }
  if (!u.sample) {
    conn.events++;
    return;
  }
  const t = nowMs();
  conn.events++;
  const msg = parseMessage(u, text);
  if (msg === null || msg.type !== 'notification') return;
  if (typeof msg.offset === 'number' && typeof msg.topic === 'string' && msg.topic === 'notifications') {
    if (knownPosition === null) knownPosition = { offset: msg.offset, epoch: '' };
    else if (msg.offset > knownPosition.offset) knownPosition.offset = msg.offset;
  }
  if (msg.action !== 'created') return;
  const sent = msg.data?.metadata?.t;
  if (typeof sent === 'number' && u.measure) latencies.push(t - sent);
}

function pathFor(o, g) {
  const topic = o.topics > 0 ? `${o.topicPrefix ?? 'jobs:'}${g % o.topics}` : 'notifications';
  let path = `${o.prefix}topics=${encodeURIComponent(topic)}`;
  if (o.resume && knownPosition !== null && knownPosition.epoch !== '') {
    path += `&resume=${encodeURIComponent(JSON.stringify({ notifications: knownPosition }))}`;
  }
  return path;
}

/** Opens o.count connections, at most o.concurrency handshakes in flight. */
function connect(o) {
  return new Promise((resolve) => {
    const t0 = nowMs();
    let started = 0;
    let settled = 0;
    let ready = 0;
    let failed = 0;
    let firstError = null;
    let inFlight = 0;
    let done = false;
    const mine = [];
    const finish = (timedOut) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      const readyTimes = mine.filter((c) => c.user.ready).map((c) => c.user.readyAt);
      const tReady = readyTimes.length ? Math.max(...readyTimes) : nowMs();
      let caughtUp = 0;
      if (o.untilEvents > 0) for (const c of mine) if (c.user.ready && c.events >= o.untilEvents) caughtUp++;
      resolve({ started, ready, failed, firstError, timedOut, elapsedMs: tReady - t0, doneMs: nowMs() - t0, caughtUp });
    };
    const timer = setTimeout(() => finish(true), o.timeoutMs);
    const poll = setInterval(() => {
      if (settled < o.count) return;
      if (o.untilEvents > 0) {
        for (const c of mine) if (!c.closed && c.events < o.untilEvents) return;
      }
      finish(false);
    }, 5);
    const next = () => {
      while (!done && started < o.count && inFlight < o.concurrency) {
        const g = o.startIndex + started;
        const sample = o.sampleEvery > 0 && g % o.sampleEvery === 0;
        started++;
        inFlight++;
        let counted = false;
        const settle = (ok, err) => {
          if (counted) return;
          counted = true;
          inFlight--;
          settled++;
          if (ok) ready++;
          else {
            failed++;
            firstError ??= err;
          }
          next();
        };
        const Conn = o.protocol === 'sse' ? LeanSse : LeanConn;
        const conn = new Conn({
          host: o.host,
          port: o.port,
          path: pathFor(o, g),
          headers: o.headers,
          onOpen: () => {},
          onText: (c, buf, s, e) => {
            const wasReady = c.user.ready;
            onText(c, buf, s, e);
            if (!wasReady && c.user.ready) {
              if (o.pauseWhenReady) {
                // A slow consumer: never reads again, so its kernel receive buffer stays small.
                c.user.slow = true;
                c.pause();
              }
              settle(true);
            }
          },
          onClose: (c, code, err) => {
            closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
            settle(false, err ? String(err.message ?? err) : `closed ${code}`);
          },
          wantPayload: (c, len) => !c.user.ready || c.user.sample || (c.user.protocol === 'sio' && len <= 2),
        });
        conn.user = { protocol: o.protocol, sample, slow: false, ready: false, readyAt: 0, measure: true, resume: !!o.resume };
        conns.add(conn);
        mine.push(conn);
      }
    };
    next();
  });
}

function healthy(c) {
  return !c.closed && !c.user.slow && c.user.ready;
}

function stats() {
  let events = 0;
  let minEvents = Infinity;
  let open = 0;
  let slowOpen = 0;
  let healthyCount = 0;
  for (const c of conns) {
    if (!c.closed) open++;
    if (c.user.slow && !c.closed) slowOpen++;
    if (!healthy(c)) continue;
    healthyCount++;
    events += c.events;
    if (c.events < minEvents) minEvents = c.events;
  }
  return { events, minEvents: healthyCount ? minEvents : 0, healthy: healthyCount, open, slowOpen, latencies, closeCodes: Object.fromEntries(closeCodes) };
}

function waitEvents(o) {
  return new Promise((resolve) => {
    const t0 = nowMs();
    const check = () => {
      let behind = 0;
      for (const c of conns) if (healthy(c) && c.events < o.perConn) behind++;
      if (behind === 0 || nowMs() - t0 > o.timeoutMs) {
        clearInterval(poll);
        resolve({ done: behind === 0, behind, at: nowMs() });
      }
    };
    const poll = setInterval(check, 5);
    check();
  });
}

/** A command from the orchestrator (bench/lib/proc.mjs): `cmd`, the `id` to answer, and its fields. */
process.on('message', async (/** @type {{ cmd: string, id: number } & Record<string, any>} */ m) => {
  switch (m.cmd) {
    case 'connect':
      return reply(m.id, await connect(m));
    case 'reset':
      latencies = [];
      closeCodes.clear();
      for (const c of conns) c.events = 0;
      return reply(m.id, {});
    case 'stats': {
      const s = stats();
      if (m.clear) latencies = [];
      return reply(m.id, s);
    }
    case 'waitEvents':
      return reply(m.id, await waitEvents(m));
    case 'pause': {
      // Every `every`-th open connection stops reading (never a sampling one).
      let k = 0;
      let paused = 0;
      for (const c of conns) {
        if (c.closed || c.user.sample) continue;
        if (k++ % m.every === 0) {
          c.user.slow = true;
          c.pause();
          paused++;
        }
      }
      return reply(m.id, { paused });
    }
    case 'resumeSlow': {
      // Paused sockets never see a close frame or FIN; reading again reveals whether the server
      // closed them (the close code lands in the stats) or kept buffering.
      let n = 0;
      for (const c of conns) {
        if (c.user.slow && !c.closed) {
          c.socket.resume();
          n++;
        }
      }
      return reply(m.id, { resumed: n });
    }
    case 'closeAll': {
      for (const c of conns) c.destroy();
      conns = new Set();
      latencies = [];
      if (m.forgetPosition) knownPosition = null;
      return reply(m.id, {});
    }
    case 'position':
      return reply(m.id, { knownPosition });
    case 'exit':
      for (const c of conns) c.destroy();
      reply(m.id, {});
      setTimeout(() => process.exit(0), 20);
      return;
    default:
      return reply(m.id, { error: `unknown command ${m.cmd}` });
  }
});
process.on('disconnect', () => process.exit(0));
